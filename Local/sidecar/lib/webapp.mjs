// Serves the web chat app (web/app, built by `dotnet run --project Local` into web/app/dist) at /app/,
// and /app/config.json: how the page reaches this local stack (GraphQL path, API key, Events endpoints).
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The browser configuration of the local stack (read by web/app and the explorer's live pane). */
export function localBrowserConfig(options) {
  return {
    mode: 'local',
    graphqlPath: '/graphql',
    apiKey: options.apiKey,
    region: options.region,
    // Amplify derives wss://<host>/event/realtime from this (the emulator's TLS port)…
    eventsEndpoint: options.eventsEndpoint,
    // …which a browser refuses (self-signed certificate): local pages connect here instead (plain ws://).
    eventsRealtimeUrl: options.eventsRealtimeUrl,
  };
}

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>AppSyncChat app not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The web chat app is not built</h1>
<p><code>dotnet run --project Local</code> builds it (web/app) when its sources change, unless started with
<code>--no-web-app</code>. To build it by hand: <code>cd web/app &amp;&amp; npm ci &amp;&amp; npm run build</code>, then reload.</p>
</body></html>`;

/**
 * Handles GET /app, /app/… ; returns true when it answered. Files come only from the build folder
 * (no path escapes it); unknown paths under /app/ get index.html (the app routes with #/…).
 */
export async function serveWebApp(req, res, path, options) {
  if (path === '/app') {
    res.writeHead(308, { location: '/app/' }).end();
    return true;
  }
  if (!path.startsWith('/app/')) return false;
  if (path === '/app/config.json') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(localBrowserConfig(options)));
    return true;
  }
  const root = options.webAppDir;
  const relative = decodeURIComponent(path.slice('/app/'.length)) || 'index.html';
  if (!root) {
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(notBuilt);
    return true;
  }
  const file = normalize(join(root, relative));
  if (!file.startsWith(normalize(root) + sep)) {
    res.writeHead(404).end();
    return true;
  }
  const found = await stat(file).then((s) => s.isFile(), () => false);
  const target = found ? file : join(root, 'index.html');
  let body;
  try {
    body = await readFile(target);
  } catch {
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(notBuilt);
    return true;
  }
  const hashed = found && relative.startsWith('assets/');
  res.writeHead(200, {
    'content-type': types[extname(target)] ?? 'application/octet-stream',
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-store',
  }).end(body);
  return true;
}
