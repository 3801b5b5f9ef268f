// Browser tests of the web chat app (web/app) and the explorer's Live events pane, in headless Chromium,
// against a real Local stack (real GraphQL endpoint, Api, SQS, Worker, Bedrock emulator and AppSync Events
// emulator; nothing mocked). Waits are event-driven with generous deadlines (a loaded 2-core machine);
// no fixed sleep is an assertion. Screenshots go to tests/browser/artifacts/ (git-ignored).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { launch, screenshot } from './lib/browser.mjs';
import { repositoryRoot, startStack, storedMessage } from './lib/stack.mjs';

/** The documented liveness bound: while the model streams, the visible text never waits longer than this. */
const MAX_VISIBLE_GAP_MS = 1500;
const LONG = 90_000;

let stack;
let browser;

before(async () => {
  stack = await startStack();
  console.log(`# Local stack ready in ${stack.startupMs} ms at ${stack.base}`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

const liveLength = (page, atLeast) =>
  page.waitForFunction((n) => (document.querySelector('[data-testid=live-answer]')?.textContent.length ?? 0) >= n, atLeast, { timeout: LONG });
const liveText = (page) => page.evaluate(() => document.querySelector('[data-testid=live-answer]')?.textContent ?? null);
const answerTexts = (page) => page.evaluate(() => [...document.querySelectorAll('[data-testid=assistant-message] .answer-text')].map((e) => e.textContent));
const waitStatus = (page, status) => page.locator(`[data-testid=assistant-message][data-status=${status}]`).last().waitFor({ timeout: LONG });
const liveStatus = (page) => page.evaluate(() => document.querySelector('[data-testid=live-answer]')?.closest('[data-status]')?.getAttribute('data-status') ?? null);

/** New conversation from the app's start page (Enter sends); returns the conversation id from the URL. */
async function sendNew(page, text) {
  await page.goto(stack.appUrl);
  const box = page.getByLabel('Message');
  await box.waitFor({ timeout: LONG });
  await box.fill(text);
  await box.press('Enter');
  await page.waitForURL(/#\/c\/[A-Za-z0-9-]+$/, { timeout: LONG });
  return /#\/c\/([A-Za-z0-9-]+)$/.exec(page.url())[1];
}

describe('web chat app', () => {
  it('two windows on one conversation end with identical text, equal to the stored text; a window opened mid-answer catches up', async () => {
    const a = await browser.context.newPage();
    const id = await sendNew(a, 'Explain streaming to two windows [[rate=25]] [[tokens=300]]');
    await liveLength(a, 20);
    const b = await browser.context.newPage();
    await b.goto(`${stack.appUrl}#/c/${id}`);
    await liveLength(b, 20);
    assert.equal(await liveStatus(b), 'STREAMING', 'the second window must join while the answer is still streaming');

    // The README picture: the same answer streaming into two windows side by side.
    const pair = await browser.context.newPage();
    await pair.setViewportSize({ width: 1480, height: 560 });
    await pair.setContent(
      `<body style="margin:0;display:flex;gap:6px;background:#9aa4b1;height:100vh">` +
        `<iframe title="window 1" src="${stack.appUrl}#/c/${id}" style="flex:1;border:0;background:#fff"></iframe>` +
        `<iframe title="window 2" src="${stack.appUrl}#/c/${id}" style="flex:1;border:0;background:#fff"></iframe></body>`,
    );
    for (const frame of pair.frames().slice(1)) {
      await frame.waitForFunction(() => (document.querySelector('[data-testid=live-answer]')?.textContent.length ?? 0) > 200, null, { timeout: LONG });
    }
    await screenshot(pair, 'two-windows');

    await waitStatus(a, 'COMPLETED');
    await waitStatus(b, 'COMPLETED');
    const stored = await storedMessage(stack, id);
    assert.equal(stored.status, 'COMPLETED');
    assert.ok(stored.text.length > 200);
    // The app created the conversation first (createConversation, with the title it derives), subscribed, then sent.
    const { getConversation } = await stack.graphql('query($id: ID!) { getConversation(conversationId: $id) { title } }', { id });
    assert.equal(getConversation.title, 'Explain streaming to two windows');
    // The local app uses the API key, which cannot list conversations: the sidebar lists what this browser opened.
    await a.locator(`#sidebar a[href="#/c/${id}"]`).waitFor({ timeout: LONG });
    assert.equal(await a.locator('#sidebar a[href="#/c/' + id + '"] .title').textContent(), 'Explain streaming to two windows');
    assert.equal(await a.locator('#sidebar .hint').textContent(), 'Opened in this browser');
    assert.equal(await a.locator('#sidebar .error-text').count(), 0);
    // The first window was subscribed before the first event: it applied every event live, from turn.started.
    assert.ok(await a.evaluate(() => window.__answerUpdates.filter((u) => u.length > 0).length >= 10));
    assert.equal(await liveText(a), stored.text);
    assert.equal(await liveText(b), stored.text);
    // The late window kept streaming after it caught up: several distinct visible lengths before the end.
    const bUpdates = await b.evaluate(() => window.__answerUpdates.filter((u) => u.length > 0).length);
    assert.ok(bUpdates >= 3, `the late window showed ${bUpdates} text states; expected live updates after catching up`);
    await screenshot(a, 'completed');
    await Promise.all([a.close(), b.close(), pair.close()]);
  });

  it('a window refreshed mid-answer recovers the full text and keeps streaming', async () => {
    const page = await browser.context.newPage();
    const id = await sendNew(page, 'Tell me about refreshing pages [[rate=25]] [[tokens=300]]');
    await liveLength(page, 60);
    const before = await liveText(page);
    await page.reload();
    await liveLength(page, before.length);
    const recovered = await liveText(page);
    assert.ok(recovered.startsWith(before), 'after the refresh the text starts with what was shown before');
    assert.equal(await liveStatus(page), 'STREAMING', 'the refresh happened mid-answer');
    await liveLength(page, recovered.length + 1); // and it keeps streaming
    await waitStatus(page, 'COMPLETED');
    const stored = await storedMessage(stack, id);
    assert.equal(await liveText(page), stored.text);
    await page.close();
  });

  it('Stop ends the answer server-side: the partial text stays, marked stopped, equal to the stored text', async () => {
    const page = await browser.context.newPage();
    const id = await sendNew(page, 'A long answer to stop [[rate=15]] [[tokens=400]]');
    await liveLength(page, 30);
    await page.getByRole('button', { name: 'Stop' }).click();
    await waitStatus(page, 'CANCELLED');
    await page.getByTestId('answer-state').filter({ hasText: 'Stopped' }).waitFor({ timeout: LONG });
    const stored = await storedMessage(stack, id);
    assert.equal(stored.status, 'CANCELLED');
    const shown = await liveText(page);
    assert.equal(shown, stored.text);
    assert.ok(shown.length >= 30 && shown.length < 1200, `partial answer of ${shown.length} characters`);
    await screenshot(page, 'stopped');
    await page.close();
  });

  it('a model error mid-answer shows the error with the partial text; Retry answers again and keeps the partial answer marked', async () => {
    const page = await browser.context.newPage();
    const id = await sendNew(page, 'This one breaks [[fault=stream-error]] [[at=12]] [[rate=40]]');
    await waitStatus(page, 'INTERRUPTED');
    const error = page.getByTestId('answer-error');
    await error.waitFor({ timeout: LONG });
    assert.match(await error.textContent(), /interrupted/i);
    const stored = await storedMessage(stack, id);
    assert.equal(stored.status, 'INTERRUPTED');
    assert.ok(stored.text.length > 0, 'the partial text is kept');
    const partial = (await answerTexts(page)).at(-1);
    assert.equal(partial, stored.text);
    await screenshot(page, 'error');

    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=assistant-message]').length === 2, null, { timeout: LONG });
    await page.locator('[data-testid=assistant-message]').last().and(page.locator('[data-status=INTERRUPTED],[data-status=COMPLETED],[data-status=FAILED]')).waitFor({ timeout: LONG });
    const texts = await answerTexts(page);
    assert.equal(texts[0], stored.text, 'the first, interrupted answer keeps its partial text');
    assert.equal(await page.locator('[data-testid=assistant-message]').first().getAttribute('data-status'), 'INTERRUPTED');
    await page.close();
  });

  it('shows tool progress while the text pauses, then the answer and its token usage', async () => {
    const page = await browser.context.newPage();
    await sendNew(page, 'Please calculate 2*(3+4) [[tool=calculate]] [[ttft=1500]] [[rate=40]]');
    const progress = page.getByTestId('tool-progress');
    await progress.waitFor({ timeout: LONG });
    assert.match(await progress.textContent(), /calculate/);
    await screenshot(page, 'tool-progress');
    await waitStatus(page, 'COMPLETED');
    assert.equal(await progress.count(), 0, 'the tool indicator goes away once the text resumes');
    assert.match(await page.locator('[data-testid=assistant-message]').last().textContent(), /tools: calculate/);
    assert.match(await page.getByTestId('usage').last().textContent(), /\d+ in · \d+ out · \d+ tokens/);
    await page.close();
  });

  it(`liveness: while the model streams, the visible text never pauses longer than ${MAX_VISIBLE_GAP_MS} ms (keyboard: Shift+Enter newline, Enter sends)`, async () => {
    const page = await browser.context.newPage();
    await page.goto(stack.appUrl);
    const box = page.getByLabel('Message');
    await box.waitFor({ timeout: LONG });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'message', 'the message box has the focus on load');
    await page.keyboard.type('Liveness line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two [[rate=40]] [[tokens=200]]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/c\/[A-Za-z0-9-]+$/, { timeout: LONG });
    const id = /#\/c\/([A-Za-z0-9-]+)$/.exec(page.url())[1];
    await liveLength(page, 150);
    await screenshot(page, 'streaming');
    await waitStatus(page, 'COMPLETED');
    const user = await page.locator('.message.user .bubble').last().textContent();
    assert.equal(user, 'Liveness line one\nline two [[rate=40]] [[tokens=200]]');
    const stored = await storedMessage(stack, id);
    assert.equal(await liveText(page), stored.text);

    const updates = await page.evaluate(() => window.__answerUpdates);
    const visible = updates.filter((u) => u.length > 0);
    let maxGap = 0;
    for (let i = 1; i < visible.length; i++) maxGap = Math.max(maxGap, visible[i].t - visible[i - 1].t);
    const span = visible.at(-1).t - visible[0].t;
    console.log(`# liveness: ${visible.length} visible text updates over ${span.toFixed(0)} ms, longest gap ${maxGap.toFixed(0)} ms (bound ${MAX_VISIBLE_GAP_MS} ms), ${stored.text.length} characters`);
    assert.ok(visible.length >= 10, `only ${visible.length} visible updates: the answer did not stream`);
    assert.ok(maxGap < MAX_VISIBLE_GAP_MS, `the visible text paused ${maxGap.toFixed(0)} ms`);

    // Phone width: the same conversation, no horizontal scrolling.
    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${stack.appUrl}#/c/${id}`);
    await waitStatus(phone, 'COMPLETED');
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal overflow at 390 px');
    await screenshot(phone, 'phone');
    await Promise.all([page.close(), phone.close()]);
  });
});

describe('@appsyncchat/client README', () => {
  it('the README example runs as written against the local stack', async () => {
    const run = promisify(execFile);
    const client = join(repositoryRoot, 'web', 'client');
    const readme = readFileSync(join(client, 'README.md'), 'utf8');
    const code = /## Example[^\n]*\n[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(code, 'the README has a ```js block under "## Example"');
    assert.ok(code.trim().split('\n').length <= 20, 'the example is at most 20 lines');
    await run('npm', ['run', 'build', '--silent'], { cwd: client, timeout: 300_000 }); // dist/, what the package exports
    // Inside the package folder the file imports '@appsyncchat/client' by its own name (package self-reference).
    const script = join(client, '.readme-example.mjs');
    writeFileSync(script, code);
    const cwd = mkdtempSync(join(tmpdir(), 'appsyncchat-readme-'));
    mkdirSync(join(cwd, '.local'));
    writeFileSync(join(cwd, '.local', 'endpoints.json'), JSON.stringify(stack.endpoints));
    try {
      const { stdout } = await run(process.execPath, [script], { cwd, timeout: 120_000 });
      const match = /COMPLETED · (\d+) tokens · conversation ([A-Za-z0-9-]+)/.exec(stdout);
      assert.ok(match, `unexpected output:\n${stdout}`);
      const stored = await storedMessage(stack, match[2]);
      assert.ok(stdout.startsWith(stored.text), 'the streamed text is the stored answer');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      rmSync(script, { force: true });
    }
  });
});

describe('GraphQL explorer', () => {
  it('the Live events pane shows the events of a sendMessage run from the explorer, as they arrive', async () => {
    const page = await browser.context.newPage();
    const sent = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('sendMessage'), { timeout: LONG });
    await page.goto(`${stack.base}/`);
    const run = page.locator('.graphiql-execute-button');
    await run.waitFor({ timeout: LONG });
    await run.click();
    const body = await (await sent).json();
    const { conversationId, channel } = body.data.sendMessage;
    await page.locator('#live-channel', { hasText: channel }).waitFor({ timeout: LONG });
    await page.locator('#live-events li .type', { hasText: 'text.delta' }).first().waitFor({ timeout: LONG });
    await page.locator('#live-events li .type', { hasText: 'turn.completed' }).waitFor({ timeout: LONG });
    const types = await page.locator('#live-events li .type').allTextContents();
    assert.equal(types.at(-1), 'turn.completed');
    assert.ok(types.filter((t) => t === 'text.delta').length >= 2, `events: ${types.join(', ')}`);
    // The deltas shown are the stored answer's text, in order, up to its end (AppSync does not replay events
    // published before a subscription, so a pane that subscribed late may miss the first ones).
    const deltas = await page.locator('#live-events li').evaluateAll((items) =>
      items.filter((li) => li.querySelector('.type').textContent === 'text.delta').map((li) => JSON.parse(li.querySelector('pre').textContent)),
    );
    const stored = await storedMessage(stack, conversationId);
    assert.ok(deltas.join('').length > 0 && stored.text.endsWith(deltas.join('')), 'the pane shows the answer text as published');
    await screenshot(page, 'explorer');
    await page.close();
  });

  it('no page reported a script error', () => {
    assert.deepEqual(browser.errors, []);
  });
});
