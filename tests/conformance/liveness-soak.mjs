// Liveness soak: an INDEPENDENT viewer of live answers, written from the AppSync Events WebSocket protocol
// alone (the `ws` package and fetch — not our .NET client, not Amplify), run against a Local stack.
//
// For each answer: createConversation (GraphQL) → a fresh WebSocket to the realtime endpoint
// (subprotocols `aws-appsync-event-ws` + `header-<base64url {host, x-api-key}>`), connection_init →
// connection_ack, subscribe /chat/<id> → subscribe_success → sendMessage "<marker> … [[tokens=400]] [[rate=60]]"
// → record the arrival of every text.delta of the answer until its terminal event → the model's token emission
// times from the Bedrock emulator's request log (found by the marker in the prompt) → the liveness measure of
// bench/Metrics/StreamLiveness.cs (each text event after the first: arrival − max(previous arrival, emission of
// its first character); the max per answer) → the assembled text against the stored one (getConversation) and
// the terminal event's length/checksum.
//
//   node liveness-soak.mjs --endpoints ../../.local/endpoints.json [--answers 1000] [--concurrency 40]
//        [--tokens 400] [--rate 60] [--bound-ms 1000] [--answer-timeout-s 180] [--max-minutes 15]
//        [--progress-every 50] [--details answers.jsonl] [--probe-ms 100|off] [--quiet]
//
// Prints progress lines, a human summary, and one JSON object (the summary) on the last line of stdout.
// Exit 0: every answer ran, completed, matched the stored text, and stayed within the bound. Exit 1: any
// mismatch, failure, timeout, violation, or fewer answers than asked (--max-minutes reached). Exit 2: bad usage.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

// ---------------------------------------------------------------------------------------------- options
const defaults = {
  endpoints: '.local/endpoints.json',
  answers: 1000,
  concurrency: 40,
  tokens: 400,
  rate: 60,
  boundMs: 1000,
  answerTimeoutS: 180,
  maxMinutes: 15,
  progressEvery: 50,
  details: null,
  probeMs: 100,
  quiet: false,
};
const options = parseArgs(process.argv.slice(2));
const endpoints = JSON.parse(readFileSync(options.endpoints, 'utf8'));
for (const field of ['graphqlUrl', 'graphqlApiKey', 'eventsHttpUrl', 'eventsRealtimeUrl', 'eventsApiKey', 'bedrockUrl']) {
  if (!endpoints[field]) usage(`${options.endpoints} has no ${field}`);
}

const now = () => performance.timeOrigin + performance.now(); // wall clock, sub-millisecond (same clock as the emulator's)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const terminalTypes = new Set(['turn.completed', 'turn.failed', 'turn.cancelled']);
const runId = randomBytes(4).toString('hex');
const startedAt = now();
const deadline = startedAt + options.maxMinutes * 60_000;
const openSockets = new Set();
let stopping = false;

// This viewer's own stalls: a 20 ms timer that fires late means the event loop (or the whole process) did not run,
// so arrivals during that time are late through no fault of the system under test. Each answer's longest gap is
// reported with how much of it the viewer itself was stalled.
const viewerStalls = []; // [from, to] wall-clock ms
let tickExpected = now() + 20;
const stallTimer = setInterval(() => {
  const t = now();
  if (t - tickExpected > 50) viewerStalls.push([tickExpected, t]);
  tickExpected = t + 20;
}, 20);
stallTimer.unref();
const stalledWithin = (from, to) => viewerStalls.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0);

// ---------------------------------------------------------------------------------------------- GraphQL
async function graphql(query, variables, timeoutMs = 30_000) {
  const response = await fetch(endpoints.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': endpoints.graphqlApiKey },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await response.json();
  if (!response.ok || body.errors?.length) {
    throw new Error(`GraphQL ${response.status}: ${JSON.stringify(body.errors ?? body).slice(0, 400)}`);
  }
  return body.data;
}

const createConversation = (clientRequestId) => graphql(
  'mutation C($input: CreateConversationInput!) { createConversation(input: $input) { conversationId channel } }',
  { input: { clientRequestId, title: 'liveness soak' } },
).then((d) => d.createConversation);

const sendMessage = (conversationId, text, clientRequestId) => graphql(
  'mutation S($input: SendMessageInput!) { sendMessage(input: $input) { conversationId assistantMessageId channel turn status } }',
  { input: { conversationId, text, clientRequestId } },
).then((d) => d.sendMessage);

const getConversation = (conversationId) => graphql(
  'query G($id: ID!) { getConversation(conversationId: $id) { conversationId messages { messageId role status text turn seq offset checksum } } }',
  { id: conversationId },
).then((d) => d.getConversation);

// ---------------------------------------------------------------------------------------------- AppSync Events viewer
const base64url = (text) => Buffer.from(text, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const eventsHost = new URL(endpoints.eventsHttpUrl).host; // the HTTP endpoint's host, as AppSync expects in `host`
const authorization = { host: eventsHost, 'x-api-key': endpoints.eventsApiKey };

/**
 * One viewer: a WebSocket of its own, subscribed to one channel. `onEvent(parsed, arrivalMs)` gets every event
 * (the `event` of a `data` frame is a JSON string). Resolves once the subscription is acknowledged.
 */
function openViewer(channel, onEvent, onProblem, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(endpoints.eventsRealtimeUrl, ['aws-appsync-event-ws', `header-${base64url(JSON.stringify(authorization))}`]);
    openSockets.add(socket);
    const subscriptionId = `sub-${randomBytes(8).toString('hex')}`;
    const viewer = {
      socket,
      keepAlives: 0,
      connectionTimeoutMs: null,
      close() {
        if (socket.readyState === WebSocket.OPEN) {
          try { socket.send(JSON.stringify({ type: 'unsubscribe', id: subscriptionId })); } catch { /* closing anyway */ }
        }
        if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000);
        openSockets.delete(socket);
      },
    };
    let subscribed = false;
    const timer = setTimeout(() => fail(new Error(`no subscribe_success within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error) => {
      clearTimeout(timer);
      viewer.close();
      reject(error);
    };
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (raw) => {
      const at = now();
      let frame;
      try { frame = JSON.parse(raw.toString()); } catch { onProblem(`unparsable frame ${raw.toString().slice(0, 200)}`); return; }
      switch (frame.type) {
        case 'connection_ack':
          viewer.connectionTimeoutMs = frame.connectionTimeoutMs ?? null;
          socket.send(JSON.stringify({ type: 'subscribe', id: subscriptionId, channel, authorization }));
          break;
        case 'subscribe_success':
          if (frame.id === subscriptionId) {
            subscribed = true;
            clearTimeout(timer);
            resolve(viewer);
          }
          break;
        case 'ka':
          viewer.keepAlives++;
          break;
        case 'data':
          if (frame.id !== subscriptionId) { onProblem(`data for unknown subscription ${frame.id}`); break; }
          try { onEvent(JSON.parse(frame.event), at); } catch (e) { onProblem(`bad event ${String(frame.event).slice(0, 200)}: ${e.message}`); }
          break;
        case 'unsubscribe_success':
          break;
        case 'subscribe_error':
        case 'connection_error':
        case 'error':
          if (!subscribed) fail(new Error(`${frame.type}: ${JSON.stringify(frame.errors ?? frame)}`));
          else onProblem(`${frame.type}: ${JSON.stringify(frame.errors ?? frame)}`);
          break;
        case 'broadcast_error':
          onProblem(`broadcast_error: ${JSON.stringify(frame.errors ?? frame)}`);
          break;
        default:
          onProblem(`unexpected frame type ${frame.type}`);
      }
    });
    socket.on('error', (e) => (subscribed ? onProblem(`socket error: ${e.message}`) : fail(e)));
    socket.on('close', (code) => {
      openSockets.delete(socket);
      if (!subscribed) fail(new Error(`socket closed (${code}) before subscribe_success`));
      else viewer.closedAt ??= { at: now(), code };
    });
  });
}

// ---------------------------------------------------------------------------------------------- Bedrock emulator log
// Every finished answer looks up its model request by marker; concurrent look-ups share one listing.
let listing = null;
async function listModelRequests() {
  if (!listing) {
    listing = (async () => {
      try {
        const response = await fetch(`${endpoints.bedrockUrl}/_emulator/requests`, { signal: AbortSignal.timeout(30_000) });
        if (!response.ok) throw new Error(`GET /_emulator/requests: ${response.status}`);
        return await response.json();
      } finally {
        setTimeout(() => { listing = null; }, 0);
      }
    })();
  }
  return listing;
}

async function modelTurn(marker) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const summaries = await listModelRequests();
    const matches = summaries.filter((s) => (s.prompt ?? '').split(/[ :]/).includes(marker) && s.outcome !== 'ThrottlingException');
    const found = matches.at(-1);
    if (found) {
      const response = await fetch(`${endpoints.bedrockUrl}/_emulator/requests/${found.requestId}`, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) throw new Error(`GET /_emulator/requests/${found.requestId}: ${response.status}`);
      const info = await response.json();
      const emitted = info.tokens.map((t) => Date.parse(t.emittedAt) + subMs(t.emittedAt));
      const charToToken = [];
      info.tokens.forEach((t, i) => { for (let c = 0; c < t.text.length; c++) charToToken.push(i); });
      return {
        requestId: info.requestId,
        requests: matches.length,
        outcome: info.outcome,
        text: info.tokens.map((t) => t.text).join(''),
        tokens: info.tokens.length,
        receivedAt: info.receivedAt,
        firstTokenAt: info.firstTokenAt,
        emitted,
        emittedAtChar: (index) => (index >= 0 && index < charToToken.length ? emitted[charToToken[index]] : null),
        tokenAtChar: (index) => (index >= 0 && index < charToToken.length ? charToToken[index] : null),
        maxTokenInterval: emitted.slice(1).reduce((m, t, i) => Math.max(m, t - emitted[i]), 0),
      };
    }
    await sleep(200 * (attempt + 1));
  }
  return null;
}

// Date.parse keeps milliseconds only; the emulator writes up to 7 fractional digits.
function subMs(iso) {
  const m = /\.(\d+)/.exec(iso);
  if (!m || m[1].length <= 3) return 0;
  return Number(`0.${m[1].slice(3)}`);
}

// ---------------------------------------------------------------------------------------------- liveness (StreamLiveness.GapsMs)
function gaps(textEvents, model) {
  const result = [];
  let previous = null;
  let assembled = -1;
  for (const e of textEvents) {
    if (e.text.length === 0 || e.offset + e.text.length <= assembled) continue; // empty, or a duplicate
    assembled = Math.max(assembled, e.offset + e.text.length);
    const emitted = model.emittedAtChar(e.offset);
    if (previous !== null && emitted !== null) {
      const waitingSince = Math.max(emitted, previous.at);
      result.push({ gap: Math.max(0, e.at - waitingSince), event: e, previous, emitted, waitingSince });
    }
    previous = e;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------- one answer
async function runAnswer(index) {
  const marker = `soak${runId}n${index}x${randomBytes(3).toString('hex')}`;
  const result = { index, marker, problems: [] };
  const problem = (text) => result.problems.push(text);
  let viewer = null;
  const received = []; // every event of the answer, in arrival order
  const early = []; // events that arrived before we knew the messageId
  let messageId = null;
  let settle;
  const terminal = new Promise((r) => { settle = r; });
  const onEvent = (event, at) => {
    if (messageId === null) { early.push({ event, at }); return; }
    take(event, at);
  };
  const take = (event, at) => {
    if (event.messageId !== messageId) return;
    received.push({ ...event, at });
    if (terminalTypes.has(event.type)) settle(event);
  };
  try {
    const t0 = now();
    const conversation = await createConversation(`soak-${marker}-c`);
    result.conversationId = conversation.conversationId;
    viewer = await openViewer(conversation.channel ?? `/chat/${conversation.conversationId}`, onEvent, problem);
    result.subscribedMs = now() - t0;
    const text = `${marker} tell me about the mountains and the rivers [[tokens=${options.tokens}]] [[rate=${options.rate}]]`;
    const sentAt = now();
    const sent = await sendMessage(conversation.conversationId, text, `soak-${marker}-m`);
    messageId = sent.assistantMessageId;
    result.messageId = messageId;
    for (const { event, at } of early.splice(0)) take(event, at);
    let timer;
    const timeout = new Promise((r) => { timer = setTimeout(() => r(null), options.answerTimeoutS * 1000); });
    const final = await Promise.race([terminal, timeout]);
    clearTimeout(timer);
    result.terminal = final?.type ?? 'timeout';
    if (!final) problem(`no terminal event within ${options.answerTimeoutS} s (${received.length} events)`);
    viewer.close();
    viewer = null;

    // Events: (turn, seq) without gaps or duplicates; every text.delta in order of offset.
    const texts = received.filter((e) => e.type === 'text.delta');
    result.events = received.length;
    result.textEvents = texts.length;
    const started = received.find((e) => e.type === 'turn.started');
    const firstText = texts[0];
    result.toStartedMs = started ? started.at - sentAt : null;
    result.toFirstTextMs = firstText ? firstText.at - sentAt : null;
    const turns = new Set(received.map((e) => e.turn));
    if (turns.size !== 1 || !turns.has(1)) problem(`turns ${[...turns].join(',')}`);
    const seqs = received.map((e) => e.seq);
    const sorted = [...seqs].sort((a, b) => a - b);
    if (sorted.some((s, i) => s !== i)) problem(`seqs not 0..${sorted.length - 1} exactly once: ${JSON.stringify(sorted.slice(0, 5))}…${sorted.length}`);
    if (seqs.some((s, i) => i > 0 && s < seqs[i - 1])) problem('events arrived out of seq order');
    if (received[0]?.type !== 'turn.started') problem(`first event ${received[0]?.type}`);

    // Assemble by offsets (and check nothing overlaps differently or is missing).
    let assembled = '';
    for (const e of [...texts].sort((a, b) => a.offset - b.offset)) {
      if (e.offset > assembled.length) { problem(`hole at ${assembled.length}..${e.offset}`); break; }
      const overlap = assembled.slice(e.offset);
      if (!e.text.startsWith(overlap) && !overlap.startsWith(e.text)) problem(`text at ${e.offset} disagrees with text already received`);
      if (e.offset + e.text.length > assembled.length) assembled += e.text.slice(assembled.length - e.offset);
    }
    result.length = assembled.length;

    const stored = (await getConversation(conversation.conversationId))?.messages?.find((m) => m.messageId === messageId);
    result.storedStatus = stored?.status ?? null;
    if (!stored) problem('message not in getConversation');
    else {
      if (stored.status !== 'COMPLETED') problem(`stored status ${stored.status}`);
      if (stored.text !== assembled) problem(`viewer text (${assembled.length}) != stored text (${stored.text.length}), first difference at ${firstDifference(assembled, stored.text)}`);
    }
    if (final) {
      if (final.type !== 'turn.completed') problem(`terminal ${final.type} ${JSON.stringify(final).slice(0, 300)}`);
      const checksum = createHash('sha256').update(assembled, 'utf8').digest('hex');
      if (final.length !== assembled.length) problem(`terminal length ${final.length} != viewer ${assembled.length}`);
      if (final.checksum !== checksum) problem('terminal checksum != sha256 of the viewer text');
    }

    // Liveness against the model's own emission times.
    const model = await modelTurn(marker);
    if (!model) problem('model request not found in the Bedrock emulator log');
    else {
      result.modelRequestId = model.requestId;
      result.modelRequests = model.requests;
      result.modelMaxTokenIntervalMs = model.maxTokenInterval;
      if (model.requests !== 1) problem(`${model.requests} model requests for the marker`);
      if (model.text !== assembled) problem(`model text (${model.text.length}) != viewer text (${assembled.length})`);
      if (model.tokens !== options.tokens) problem(`model streamed ${model.tokens} tokens, asked ${options.tokens}`);
      const all = gaps(texts, model);
      if (all.length > 0) {
        const worst = all.reduce((a, b) => (b.gap > a.gap ? b : a));
        result.maxGapMs = worst.gap;
        // The same measure with this viewer's own stalls taken out of each gap (reported beside it, never instead).
        result.maxGapExcludingViewerStallsMs = all.reduce((m, x) => Math.max(m, x.gap - stalledWithin(x.waitingSince, x.event.at)), 0);
        result.gapsOver500Ms = all.filter((x) => x.gap > 500).length;
        {
          // Evidence (kept for every answer; reported for violations and the longest gaps): what the model
          // did and what the viewer saw around the answer's longest gap.
          const token = model.tokenAtChar(worst.event.offset);
          result.longest = {
            gapMs: round(worst.gap),
            atOffset: worst.event.offset,
            seq: worst.event.seq,
            previousSeq: worst.previous.seq,
            previousArrival: iso(worst.previous.at),
            arrival: iso(worst.event.at),
            firstCharEmitted: iso(worst.emitted),
            eventChars: worst.event.text.length,
            eventTokens: model.tokenAtChar(worst.event.offset + worst.event.text.length - 1) - token + 1,
            modelTokensEmittedDuringGap: model.emitted.filter((t) => t > worst.waitingSince && t < worst.event.at).length,
            modelMaxTokenIntervalMs: round(model.maxTokenInterval),
            modelLongestIntervalWithinGapMs: round(longestInterval(model.emitted, worst.previous.at, worst.event.at)),
            viewerStalledWithinGapMs: round(stalledWithin(worst.waitingSince, worst.event.at)),
            probeLongestSilenceWithinGapMs: options.probeMs ? round(probeSilenceWithin(worst.waitingSince, worst.event.at)) : null,
          };
          if (worst.gap > options.boundMs) result.violation = result.longest;
        }
      } else {
        result.maxGapMs = null;
        problem(`fewer than two text events (${texts.length})`);
      }
    }
  } catch (error) {
    problem(`error: ${error.message}`);
  } finally {
    viewer?.close();
  }
  return result;
}

// The longest pause of the model between consecutive token emissions that overlaps [from, to].
function longestInterval(emitted, from, to) {
  let longest = 0;
  for (let i = 1; i < emitted.length; i++) {
    if (emitted[i] < from || emitted[i - 1] > to) continue;
    longest = Math.max(longest, Math.min(emitted[i], to) - Math.max(emitted[i - 1], from));
  }
  return longest;
}

function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
const round = (x) => Math.round(x * 10) / 10;
const iso = (ms) => new Date(ms).toISOString();
const percentile = (sorted, p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);

// ---------------------------------------------------------------------------------------------- probe
// A heartbeat through the Events emulator alone, not through the Worker: this process publishes a small event to
// /default/<probe channel> over HTTP every --probe-ms and receives it on its own subscription. When an answer's
// longest gap coincides with a silence of the probe, the delivery path (the Events emulator, its process, or this
// viewer) stalled; when the probe kept arriving, the text was late before it reached AppSync Events (the Worker).
const probeArrivals = []; // arrival ms, in order
const probeLatencies = []; // arrival − sentAt, ms
let probeFailures = 0;
async function startProbe() {
  if (!options.probeMs) return null;
  const channel = `/default/soakprobe${runId}`;
  const probeViewer = await openViewer(channel, (event, at) => {
    probeArrivals.push(at);
    if (typeof event.sentAt === 'number') probeLatencies.push(at - event.sentAt);
  }, () => { probeFailures++; });
  let n = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const sentAt = now();
      try {
        const response = await fetch(endpoints.eventsHttpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': endpoints.eventsApiKey },
          body: JSON.stringify({ channel, events: [JSON.stringify({ probe: n++, sentAt })] }),
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) probeFailures++;
        await response.arrayBuffer();
      } catch { probeFailures++; }
      await sleep(Math.max(0, options.probeMs - (now() - sentAt)));
    }
  })();
  return { async stop() { running = false; await loop; probeViewer.close(); } };
}

// The longest silence of the probe (between consecutive arrivals) that overlaps [from, to].
function probeSilenceWithin(from, to) {
  if (probeArrivals.length === 0) return null;
  return longestInterval(probeArrivals, from, to);
}

// ---------------------------------------------------------------------------------------------- the run
async function statsOfEvents() {
  try {
    const response = await fetch(new URL('/_emulator/stats', endpoints.eventsHttpUrl), { signal: AbortSignal.timeout(10_000) });
    return response.ok ? await response.json() : null;
  } catch { return null; }
}

async function main() {
  const log = (line) => console.log(line);
  log(`liveness soak ${runId}: ${options.answers} answers, ${options.concurrency} at once, [[tokens=${options.tokens}]] [[rate=${options.rate}]], bound ${options.boundMs} ms, stops after ${options.maxMinutes} min`);
  log(`  GraphQL ${endpoints.graphqlUrl}  Events ${endpoints.eventsRealtimeUrl}  Bedrock ${endpoints.bedrockUrl}`);
  const statsBefore = await statsOfEvents();
  const loadAtStart = loadavg().map(round);
  const probe = await startProbe();
  if (options.details) writeFileSync(options.details, '');
  const results = [];
  let next = 0;
  let failedSoFar = 0;
  let violationsSoFar = 0;
  const worker = async () => {
    while (!stopping && next < options.answers && now() < deadline) {
      const r = await runAnswer(next++);
      results.push(r);
      if (options.details) appendFileSync(options.details, `${JSON.stringify(r)}\n`);
      const bad = r.problems.length > 0;
      const over = r.violation !== undefined;
      if (bad) failedSoFar++;
      if (over) violationsSoFar++;
      if ((bad || over) && !options.quiet) log(`  answer ${r.index} ${r.marker}: ${over ? `GAP ${round(r.maxGapMs)} ms ${JSON.stringify(r.violation)} ` : ''}${r.problems.join('; ')}`);
      if (results.length % options.progressEvery === 0) {
        const g = results.map((x) => x.maxGapMs).filter((x) => typeof x === 'number').sort((a, b) => a - b);
        log(`  ${results.length}/${options.answers} done in ${((now() - startedAt) / 1000).toFixed(0)} s: problems ${failedSoFar}, over bound ${violationsSoFar}, longest gap p50 ${round(percentile(g, 50))} / max ${round(g.at(-1))} ms`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await probe?.stop();
  const statsAfter = await statsOfEvents();

  const completed = results.filter((r) => r.terminal === 'turn.completed' && r.storedStatus === 'COMPLETED');
  const withProblems = results.filter((r) => r.problems.length > 0);
  const mismatches = results.filter((r) => r.problems.some((p) => /!=|disagrees|hole|seqs|out of seq/.test(p)));
  const violations = results.filter((r) => r.violation !== undefined);
  const g = results.map((r) => r.maxGapMs).filter((x) => typeof x === 'number').sort((a, b) => a - b);
  const gx = results.map((r) => r.maxGapExcludingViewerStallsMs).filter((x) => typeof x === 'number').sort((a, b) => a - b);
  const ev = results.map((r) => r.textEvents ?? 0).sort((a, b) => a - b);
  const ttft = results.map((r) => r.toFirstTextMs).filter((x) => typeof x === 'number').sort((a, b) => a - b);
  const modelInterval = results.map((r) => r.modelMaxTokenIntervalMs).filter((x) => typeof x === 'number').sort((a, b) => a - b);
  const summary = {
    runId,
    answersAsked: options.answers,
    answersRun: results.length,
    completed: completed.length,
    withProblems: withProblems.length,
    mismatches: mismatches.length,
    overBound: violations.length,
    overBoundExcludingViewerStalls: results.filter((r) => r.maxGapExcludingViewerStallsMs > options.boundMs).length,
    boundMs: options.boundMs,
    concurrency: options.concurrency,
    tokens: options.tokens,
    rate: options.rate,
    longestGapPerAnswerMs: { p50: round(percentile(g, 50)), p90: round(percentile(g, 90)), p99: round(percentile(g, 99)), max: round(g.at(-1)), answers: g.length },
    longestGapExcludingViewerStallsMs: { p50: round(percentile(gx, 50)), p99: round(percentile(gx, 99)), max: round(gx.at(-1)) },
    textEventsPerAnswer: { min: ev[0], p50: percentile(ev, 50), max: ev.at(-1) },
    sendToFirstTextMs: { p50: round(percentile(ttft, 50)), p99: round(percentile(ttft, 99)), max: round(ttft.at(-1)) },
    modelLongestTokenIntervalMs: { p50: round(percentile(modelInterval, 50)), p99: round(percentile(modelInterval, 99)), max: round(modelInterval.at(-1)) },
    eventsEmulator: statsBefore && statsAfter ? {
      outboundMessages: statsAfter.outboundMessages - statsBefore.outboundMessages,
      publishRequests: statsAfter.publishRequests - statsBefore.publishRequests,
      slowConnectionsClosed: statsAfter.slowConnectionsClosed - statsBefore.slowConnectionsClosed,
      broadcastErrors: statsAfter.broadcastErrors - statsBefore.broadcastErrors,
      activeConnectionsAfter: statsAfter.activeConnections,
    } : null,
    probe: options.probeMs ? (() => {
      const lat = [...probeLatencies].sort((a, b) => a - b);
      const silence = probeArrivals.slice(1).map((t, i) => t - probeArrivals[i]).sort((a, b) => a - b);
      return { everyMs: options.probeMs, received: probeArrivals.length, failures: probeFailures, latencyMs: { p50: round(percentile(lat, 50)), p99: round(percentile(lat, 99)), max: round(lat.at(-1)) }, longestSilenceMs: round(silence.at(-1)) };
    })() : null,
    viewerStalls: { over50Ms: viewerStalls.length, longestMs: round(viewerStalls.reduce((m, [a, b]) => Math.max(m, b - a), 0)) },
    loadAverage: { atStart: loadAtStart, atEnd: loadavg().map(round) },
    stoppedEarly: results.length < options.answers,
    seconds: Math.round((now() - startedAt) / 1000),
    answersWithAGapOver500Ms: results.filter((r) => r.gapsOver500Ms > 0).length,
    longestGaps: results.filter((r) => r.longest).sort((a, b) => b.maxGapMs - a.maxGapMs).slice(0, 5).map((r) => ({ index: r.index, marker: r.marker, conversationId: r.conversationId, messageId: r.messageId, modelRequestId: r.modelRequestId, ...r.longest })),
    problems: withProblems.slice(0, 20).map((r) => ({ index: r.index, marker: r.marker, conversationId: r.conversationId, problems: r.problems })),
  };
  log(`done: ${summary.answersRun}/${summary.answersAsked} answers in ${summary.seconds} s, completed ${summary.completed}, mismatches ${summary.mismatches}, with problems ${summary.withProblems}, over ${options.boundMs} ms: ${summary.overBound}`);
  log(`  longest gap per answer: p50 ${summary.longestGapPerAnswerMs.p50} ms, p90 ${summary.longestGapPerAnswerMs.p90} ms, p99 ${summary.longestGapPerAnswerMs.p99} ms, max ${summary.longestGapPerAnswerMs.max} ms`);
  log(`  the same without this viewer's own stalls: p50 ${summary.longestGapExcludingViewerStallsMs.p50} ms, p99 ${summary.longestGapExcludingViewerStallsMs.p99} ms, max ${summary.longestGapExcludingViewerStallsMs.max} ms; over the bound: ${summary.overBoundExcludingViewerStalls}`);
  log(`  text events per answer: min ${summary.textEventsPerAnswer.min}, p50 ${summary.textEventsPerAnswer.p50}, max ${summary.textEventsPerAnswer.max}; send → first text p50 ${summary.sendToFirstTextMs.p50} ms; model's longest token interval p99 ${summary.modelLongestTokenIntervalMs.p99} ms`);
  if (summary.probe) log(`  probe through the Events emulator alone, every ${summary.probe.everyMs} ms: ${summary.probe.received} received, ${summary.probe.failures} failures, publish → arrival p50 ${summary.probe.latencyMs.p50} / p99 ${summary.probe.latencyMs.p99} / max ${summary.probe.latencyMs.max} ms, longest silence ${summary.probe.longestSilenceMs} ms`);
  log(`  this viewer's own stalls over 50 ms: ${summary.viewerStalls.over50Ms} (longest ${summary.viewerStalls.longestMs} ms); load average ${summary.loadAverage.atStart.join('/')} → ${summary.loadAverage.atEnd.join('/')} on ${availableParallelism()} cores`);
  console.log(JSON.stringify(summary));
  const ok = !summary.stoppedEarly && summary.withProblems === 0 && summary.overBound === 0 && summary.completed === summary.answersRun;
  return ok ? 0 : 1;
}

function closeAll() {
  for (const socket of openSockets) {
    try { socket.terminate(); } catch { /* already gone */ }
  }
  openSockets.clear();
}

process.on('SIGINT', () => { stopping = true; console.error('SIGINT: finishing the answers in flight (again to abort)'); process.once('SIGINT', () => { closeAll(); process.exit(1); }); });
process.on('SIGTERM', () => { stopping = true; closeAll(); process.exit(1); });

// Hard stop: the deadline plus one answer's timeout and a margin for the look-ups.
const hardStop = setTimeout(() => {
  console.error('hard stop: answers still in flight after the deadline');
  closeAll();
  process.exit(1);
}, options.maxMinutes * 60_000 + options.answerTimeoutS * 1000 + 60_000);
hardStop.unref();

main().then((code) => {
  closeAll();
  process.exitCode = code;
  clearTimeout(hardStop);
}, (error) => {
  console.error(error);
  closeAll();
  process.exitCode = 1;
});

// ---------------------------------------------------------------------------------------------- arguments
function parseArgs(argv) {
  const o = { ...defaults };
  const names = {
    '--endpoints': ['endpoints', String], '--answers': ['answers', Number], '--concurrency': ['concurrency', Number],
    '--tokens': ['tokens', Number], '--rate': ['rate', Number], '--bound-ms': ['boundMs', Number],
    '--answer-timeout-s': ['answerTimeoutS', Number], '--max-minutes': ['maxMinutes', Number], '--progress-every': ['progressEvery', Number],
    '--details': ['details', String],
    '--probe-ms': ['probeMs', Number],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quiet') { o.quiet = true; continue; }
    if (arg === '--help' || arg === '-h') usage();
    const [key, flagValue] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const spec = names[key];
    if (!spec) usage(`unknown option ${arg}`);
    const value = flagValue ?? argv[++i];
    if (value === undefined) usage(`${key} needs a value`);
    if (key === '--probe-ms' && value === 'off') { o.probeMs = 0; continue; }
    o[spec[0]] = spec[1](value);
    if (spec[1] === Number && !(o[spec[0]] > 0)) usage(`${key} must be a positive number`);
  }
  return o;
}

function usage(message) {
  if (message) console.error(message);
  console.error('usage: node liveness-soak.mjs --endpoints <.local/endpoints.json> [--answers 1000] [--concurrency 40] [--tokens 400] [--rate 60] [--bound-ms 1000] [--answer-timeout-s 180] [--max-minutes 15] [--progress-every 50] [--details <answers.jsonl>] [--probe-ms 100|off] [--quiet]');
  process.exit(2);
}
