#!/usr/bin/env node
// The Local stack's Node sidecar: DynamoDB (dynalite), SQS (local-aws-sqs) and the AppSync-like
// GraphQL endpoint, on 127.0.0.1. Started by Local (LocalStack.cs); see README.md.
//
// Protocol with the parent: one JSON line on stdout per lifecycle event:
//   {"event":"ready","dynamodb":{"port":N},"sqs":{"port":N},"graphql":{"port":N}}
//   {"event":"error","code":"EADDRINUSE","service":"graphql","port":4000,"message":"..."}
// The sidecar exits when its stdin closes (the parent died or let go) and on SIGTERM (and on SIGINT
// when run by hand from a terminal).
import { parseArgs } from 'node:util';
import { createDynamoDbServer, createSqsServer } from './lib/engines.mjs';
import { createGraphqlServer } from './lib/graphql/server.mjs';

function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function fail(code, message, extra = {}) {
  emit({ event: 'error', code, message, ...extra });
  process.exit(2);
}

function port(name, value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail('BAD_ARGUMENT', `--${name} must be a port number (0-65535), got "${value}"`);
  return n;
}

let args;
try {
  args = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      'dynamodb-port': { type: 'string', default: '4030' },
      'sqs-port': { type: 'string', default: '4040' },
      'graphql-port': { type: 'string', default: '4000' },
      schema: { type: 'string' },
      'invoke-endpoint': { type: 'string', default: 'http://127.0.0.1:4050' },
      'api-function': { type: 'string', default: 'appsyncchat-api' },
      'api-key': { type: 'string' },
      region: { type: 'string', default: 'us-east-1' },
      'account-id': { type: 'string', default: '000000000000' },
      'user-token': { type: 'string' },
      'user-sub': { type: 'string' },
      'user-name': { type: 'string', default: 'local-user' },
      'user-groups': { type: 'string', default: '' },
      'web-app-dir': { type: 'string' },
      'events-endpoint': { type: 'string' },
      'events-realtime-url': { type: 'string' },
    },
    strict: true,
  }).values;
} catch (error) {
  fail('BAD_ARGUMENT', error.message);
}

if (!args.schema) fail('BAD_ARGUMENT', '--schema <path to schema.graphql> is required');
const apiKey = args['api-key'] ?? process.env.APPSYNCCHAT_LOCAL_API_KEY;
if (!apiKey) fail('BAD_ARGUMENT', '--api-key (or APPSYNCCHAT_LOCAL_API_KEY) is required');
const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
if (!accessKeyId || !secretAccessKey) fail('BAD_ARGUMENT', 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (the local credentials used to sign Lambda invocations)');

const userToken = args['user-token'] ?? process.env.APPSYNCCHAT_LOCAL_USER_TOKEN;

/** [{token, sub, username}] as JSON; every entry needs all three. */
function otherUsers(json) {
  if (!json) return [];
  let users;
  try {
    users = JSON.parse(json);
  } catch (error) {
    fail('BAD_ARGUMENT', `APPSYNCCHAT_LOCAL_OTHER_USERS is not JSON: ${error.message}`);
  }
  if (!Array.isArray(users) || users.some((u) => [u?.token, u?.sub, u?.username].some((v) => typeof v !== 'string' || v.length === 0))) {
    fail('BAD_ARGUMENT', 'APPSYNCCHAT_LOCAL_OTHER_USERS must be a JSON array of {"token","sub","username"} strings');
  }
  return users.map((u) => ({ token: u.token, sub: u.sub, username: u.username, groups: [] }));
}
const host = args.host;
const options = {
  schemaPath: args.schema,
  invokeEndpoint: args['invoke-endpoint'],
  functionName: args['api-function'],
  apiKey,
  region: args.region,
  credentials: { accessKeyId, secretAccessKey },
  // The web chat app (web/app/dist, served at /app/) and the Events endpoints browser pages use.
  webAppDir: args['web-app-dir'] ?? null,
  eventsEndpoint: args['events-endpoint'] ?? null,
  eventsRealtimeUrl: args['events-realtime-url'] ?? null,
  // The local user, then any others (tests of who may see whose conversations) from APPSYNCCHAT_LOCAL_OTHER_USERS.
  localUsers: [
    ...(userToken
      ? [{
          token: userToken,
          sub: args['user-sub'] ?? '00000000-0000-4000-8000-000000000001',
          username: args['user-name'],
          groups: args['user-groups'].split(',').map((g) => g.trim()).filter(Boolean),
        }]
      : []),
    ...otherUsers(process.env.APPSYNCCHAT_LOCAL_OTHER_USERS),
  ],
};

let graphqlServer;
try {
  graphqlServer = createGraphqlServer(options);
} catch (error) {
  fail('SCHEMA', error.message);
}

const servers = [
  { service: 'dynamodb', port: port('dynamodb-port', args['dynamodb-port']), server: createDynamoDbServer() },
  { service: 'sqs', port: port('sqs-port', args['sqs-port']), server: createSqsServer({ host, region: args.region, accountId: args['account-id'] }) },
  { service: 'graphql', port: port('graphql-port', args['graphql-port']), server: graphqlServer },
];

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  for (const { server } of servers) {
    server.closeAllConnections?.();
    server.close(() => {});
  }
  // Nothing here holds state worth a graceful wait: in-memory engines end with the process.
  setTimeout(() => process.exit(0), 200).unref();
}

process.on('SIGTERM', () => stop());
// Under a parent (stdin is its pipe) Ctrl+C is the parent's to handle: it closes our stdin when it has
// stopped what depends on us. Run by hand in a terminal, Ctrl+C stops us directly.
process.on('SIGINT', () => {
  if (process.stdin.isTTY) stop();
});
process.stdin.on('end', () => stop());
process.stdin.on('error', () => stop());
process.stdin.resume();

function listen({ service, port: wanted, server }) {
  return new Promise((resolve, reject) => {
    const onError = (error) => {
      error.service = service;
      error.wantedPort = wanted;
      reject(error);
    };
    server.once('error', onError);
    server.listen(wanted, host, () => {
      server.off('error', onError);
      server.on('error', (error) => process.stderr.write(`sidecar: ${service} server error: ${error.message}\n`));
      resolve({ service, port: server.address().port });
    });
  });
}

try {
  const bound = await Promise.all(servers.map(listen));
  emit({ event: 'ready', host, ...Object.fromEntries(bound.map((b) => [b.service, { port: b.port }])) });
} catch (error) {
  fail(error.code ?? 'LISTEN', `${error.service} could not listen on ${host}:${error.wantedPort}: ${error.message}`, {
    service: error.service,
    port: error.wantedPort,
  });
}
