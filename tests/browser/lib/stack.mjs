// Starts the Local stack for browser tests as a real child process (the built AppSyncChat.Local.dll, the
// same program `dotnet run --project Local` runs, so it also builds the web app when its sources changed),
// on free ports (every port flag 0), and stops it by its PID.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function localDll() {
  for (const configuration of ['Debug', 'Release']) {
    const dll = join(repositoryRoot, 'Local', 'bin', configuration, 'net10.0', 'AppSyncChat.Local.dll');
    if (existsSync(dll)) return dll;
  }
  throw new Error('Local is not built: run `dotnet build AppSyncChat.sln` first (./test.sh does).');
}

export async function startStack({ timeoutMs = 600_000 } = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'appsyncchat-browser-'));
  const endpointsFile = join(directory, 'endpoints.json');
  const ports = ['--graphql-port', '--events-port', '--events-tls-port', '--bedrock-port', '--dynamodb-port', '--sqs-port', '--lambda-port'].flatMap((f) => [f, '0']);
  const child = spawn('dotnet', [localDll(), ...ports, '--endpoints-file', endpointsFile], {
    cwd: repositoryRoot,
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', DOTNET_NOLOGO: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let running = true;
  exited.then(() => (running = false));

  const started = Date.now();
  // The stack writes the endpoints file once everything is ready (after an npm ci / web app build if needed).
  while (!existsSync(endpointsFile)) {
    if (!running) throw new Error(`The Local stack exited before it was ready:\n${output}`);
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`The Local stack was not ready after ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const endpoints = JSON.parse(readFileSync(endpointsFile, 'utf8'));
  const base = endpoints.graphqlUrl.replace(/\/graphql$/, '');

  async function graphql(query, variables) {
    const response = await fetch(endpoints.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': endpoints.graphqlApiKey },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
    return body.data;
  }

  async function stop() {
    if (running) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => running && child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(directory, { recursive: true, force: true });
  }

  return { endpoints, base, appUrl: endpoints.webAppUrl ?? `${base}/app/`, graphql, stop, pid: child.pid, startupMs: Date.now() - started, output: () => output };
}

export async function storedMessage(stack, conversationId, messageId) {
  const data = await stack.graphql(
    'query($id: ID!) { getConversation(conversationId: $id) { activeMessageId messages { messageId role status text checksum error { code message } } } }',
    { id: conversationId },
  );
  const messages = data.getConversation.messages;
  return messageId ? messages.find((m) => m.messageId === messageId) : messages.filter((m) => m.role === 'ASSISTANT').at(-1);
}
