// Conformance of the AppSync Events emulator against the official Amplify client (`events` from
// `aws-amplify/data`). Driven by tests/Local.Tests/AppSyncEvents/AmplifyConformanceTests.cs.
//
//   node events-amplify.mjs <scenario>       scenario: happy | bad-key
//   env: EVENTS_ENDPOINT (https://127.0.0.1:<tls port>/event), EVENTS_API_KEY, EVENTS_REGION,
//        EVENTS_ACCESS_KEY_ID / EVENTS_SECRET_ACCESS_KEY (IAM), NODE_EXTRA_CA_CERTS (emulator PEM)
//
// Prints one JSON object (the observations) on the last line of stdout; exits 0 when every check held,
// 1 otherwise (the failed checks are listed in "failures").
import WebSocket from 'ws';
import { Amplify } from 'aws-amplify';
import { events } from 'aws-amplify/data';

// Node 20 has no global WebSocket; Amplify uses the global one.
globalThis.WebSocket = WebSocket;

const scenario = process.argv[2] ?? 'happy';
const endpoint = required('EVENTS_ENDPOINT');
const region = process.env.EVENTS_REGION ?? 'us-east-1';
const apiKey = scenario === 'bad-key' ? 'da2-not-a-valid-key' : required('EVENTS_API_KEY');

Amplify.configure(
  { API: { Events: { endpoint, region, defaultAuthMode: 'apiKey', apiKey } } },
  {
    Auth: {
      // IAM mode signs with these credentials (the emulator's local keys).
      credentialsProvider: {
        getCredentialsAndIdentityId: async () => ({
          credentials: {
            accessKeyId: process.env.EVENTS_ACCESS_KEY_ID ?? 'none',
            secretAccessKey: process.env.EVENTS_SECRET_ACCESS_KEY ?? 'none',
          },
        }),
        clearCredentialsAndIdentityId: () => {},
      },
    },
  },
);

const report = { scenario, step: 'start', failures: [] };
const step = (name) => { report.step = name; };
const check = (name, condition, detail) => {
  if (!condition) report.failures.push(detail === undefined ? name : `${name}: ${JSON.stringify(detail)}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(name, predicate, ms = 15000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (predicate()) return true;
    await sleep(20);
  }
  report.failures.push(`timed out waiting for ${name}`);
  return false;
}
function describe(error) {
  if (error === undefined || error === null) return null;
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { value: JSON.stringify(error) };
}
function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
}

async function happy() {
  const got = { exact: [], wildcard: [], errors: [] };

  // Exact and wildcard subscriptions over the WebSocket (wss://<host>/event/realtime).
  step('connect');
  const exact = await events.connect('/default/room1');
  const wildcard = await events.connect('/default/*');
  const exactSub = exact.subscribe({ next: (d) => got.exact.push(d.event), error: (e) => got.errors.push(describe(e)) });
  const wildcardSub = wildcard.subscribe({ next: (d) => got.wildcard.push(d.event), error: (e) => got.errors.push(describe(e)) });
  step('subscribe ready');
  await exactSub.ready;
  await wildcardSub.ready;
  step('publish');

  // Publish over the WebSocket, then over HTTP (POST https://<host>/event), then below the exact channel.
  await exact.publish({ via: 'ws', n: 1 });
  const httpFailed = await events.post('/default/room1', { via: 'http', n: 2 });
  check('http publish has no failed events', httpFailed === undefined, httpFailed);
  await events.post('/default/room1/deeper/still', [{ via: 'http-deep', n: 3 }, { via: 'http-deep', n: 4 }]);

  await waitFor('exact events', () => got.exact.length >= 2);
  await waitFor('wildcard events', () => got.wildcard.length >= 4);
  report.exact = got.exact;
  report.wildcardBeforeClose = [...got.wildcard];
  check('exact subscriber got ws then http', JSON.stringify(got.exact) === JSON.stringify([{ via: 'ws', n: 1 }, { via: 'http', n: 2 }]), got.exact);
  check('wildcard subscriber got all four in order', JSON.stringify(got.wildcard.map((e) => e.n)) === '[1,2,3,4]', got.wildcard);

  step('unsubscribe');
  // Unsubscribe: the closed channel receives nothing more; the other keeps receiving.
  await exact.close();
  await sleep(300);
  await events.post('/default/room1', { via: 'after-close', n: 5 });
  await waitFor('wildcard event after close', () => got.wildcard.length >= 5);
  await sleep(300);
  report.exactAfterClose = got.exact.length;
  check('no event after unsubscribe', got.exact.length === 2, got.exact);

  step('chat namespace');
  // Namespace auth as deployed: chat is publishable by IAM only.
  const chat = await events.connect('/chat/c1');
  const chatEvents = [];
  const chatSub = chat.subscribe({ next: (d) => chatEvents.push(d.event), error: (e) => got.errors.push(describe(e)) });
  await chatSub.ready;
  try {
    await chat.publish({ denied: true });
    check('ws publish with API key to chat is rejected', false);
  } catch (error) {
    report.chatWsApiKeyPublishError = describe(error);
    check('ws publish error names UnauthorizedException', String(error?.message).includes('UnauthorizedException'), describe(error));
  }
  try {
    await events.post('/chat/c1', { denied: true });
    check('http publish with API key to chat is rejected', false);
  } catch (error) {
    report.chatHttpApiKeyPublishError = describe(error);
    check('http publish error is UnauthorizedException', error?.name === 'UnauthorizedException' || String(error?.message).includes('Unauthorized'), describe(error));
  }

  step('iam');
  // IAM: SigV4 over HTTP and over the WebSocket, verified by the emulator.
  if (process.env.EVENTS_ACCESS_KEY_ID) {
    await events.post('/chat/c1', { via: 'iam-http', text: 'héllo 👋 "quoted" \\ / </script>' }, { authMode: 'iam' });
    await chat.publish({ via: 'iam-ws', text: 'naïve 🚀 \n newline' }, { authMode: 'iam' });
    await waitFor('chat events published with IAM', () => chatEvents.length >= 2);
    report.chatEvents = chatEvents;
    check('iam publishes delivered', chatEvents.map((e) => e.via).join(',') === 'iam-http,iam-ws', chatEvents);
  }
  step('close');
  await chat.close();
  await wildcard.close();
  check('no subscription errors', got.errors.length === 0, got.errors);
}

async function badKey() {
  step('connect');
  try {
    const channel = await events.connect('/default/room1');
    const sub = channel.subscribe({ next: () => {}, error: () => {} });
    await sub.ready;
    check('connect with a bad API key fails', false);
  } catch (error) {
    report.connectError = describe(error);
    check('connect error is non-retryable UnauthorizedException',
      String(error?.message ?? error).includes('UnauthorizedException') || error?.name === 'NonRetryableError', describe(error));
  }
  step('post');
  try {
    await events.post('/default/room1', { n: 1 });
    check('http publish with a bad API key fails', false);
  } catch (error) {
    report.postError = describe(error);
    check('http publish error is UnauthorizedException', error?.name === 'UnauthorizedException' || String(error?.message).includes('Unauthorized'), describe(error));
  }
}

const watchdog = setTimeout(() => {
  report.failures.push('scenario did not finish within 45 s');
  console.log(JSON.stringify(report));
  process.exit(1);
}, 45_000);

try {
  if (scenario === 'happy') await happy();
  else if (scenario === 'bad-key') await badKey();
  else throw new Error(`unknown scenario ${scenario}`);
} catch (error) {
  report.failures.push(`unexpected error: ${JSON.stringify(describe(error))}`);
}
clearTimeout(watchdog);
step('done');
try {
  await events.closeAll();
} catch {
  // closing is best effort
}
console.log(JSON.stringify(report));
process.exit(report.failures.length === 0 ? 0 : 1);
