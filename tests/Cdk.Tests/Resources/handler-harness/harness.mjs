// Runs the chat namespace onSubscribe handler against cases read from the file named in argv[3].
// Each case: { channel, identity, items, dataSourceError }. The handler module is argv[2].
// Prints one JSON line: [{ outcome, request }] in case order.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const handlers = await import(pathToFileURL(process.argv[2]).href);
const cases = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const results = [];
for (const c of cases) {
  const segments = c.channel.split('/').filter((s) => s.length > 0);
  const ctx = {
    identity: c.identity,
    info: { channel: { path: c.channel, segments }, channelNamespace: { name: segments[0] }, operation: 'SUBSCRIBE' },
    request: { headers: {}, domainName: null },
    stash: {},
    events: null,
  };
  let request = null;
  try {
    request = handlers.onSubscribe.request(ctx);
    const key = JSON.stringify(request.key);
    ctx.error = c.dataSourceError ?? undefined;
    ctx.result = c.dataSourceError ? null : (c.items[key] ?? null);
    handlers.onSubscribe.response(ctx);
    results.push({ outcome: 'allowed', request });
  } catch (error) {
    if (!error.outcome) {
      throw error;
    }
    results.push({ outcome: error.outcome, request });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
