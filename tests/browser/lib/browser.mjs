// Headless Chromium from Debian (/usr/bin/chromium) through playwright-core: never a downloaded browser.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const artifacts = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Records, in every page, when the visible text of the live answer changes (performance.now(), length): the
 * liveness measurement reads it. A MutationObserver on the document, installed before any page script runs.
 */
const recorder = () => {
  window.__answerUpdates = [];
  let last = -1;
  const observe = () => {
    const el = document.querySelector('[data-testid=live-answer]');
    const length = el ? el.textContent.length : -1;
    if (length !== last) {
      last = length;
      window.__answerUpdates.push({ t: performance.now(), length });
    }
  };
  new MutationObserver(observe).observe(document, { subtree: true, childList: true, characterData: true });
};

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'appsyncchat-chromium-'));
  mkdirSync(artifacts, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args,
    viewport: { width: 1100, height: 760 },
  });
  await context.addInitScript(recorder);
  const errors = [];
  context.on('page', (page) => page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`)));
  return {
    context,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const screenshot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`) });
