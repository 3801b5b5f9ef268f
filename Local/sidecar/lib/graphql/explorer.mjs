// Serves the GraphQL explorer page and its assets, all from this folder's node_modules (no CDN):
// the page works with no network beyond 127.0.0.1.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));

/** URL path under /explorer/ → file on disk and content type. A fixed list: nothing else is served. */
const assets = {
  'react.production.min.js': [join(packageDir('react'), 'umd', 'react.production.min.js'), 'text/javascript'],
  'react-dom.production.min.js': [join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'), 'text/javascript'],
  'graphiql.min.js': [join(packageDir('graphiql'), 'graphiql.min.js'), 'text/javascript'],
  'graphiql.min.css': [join(packageDir('graphiql'), 'graphiql.min.css'), 'text/css'],
  'explorer.js': [join(here, '..', '..', 'explorer', 'explorer.js'), 'text/javascript'],
  'live-events.js': [join(here, '..', '..', 'explorer', 'live-events.js'), 'text/javascript'],
  'live-events.css': [join(here, '..', '..', 'explorer', 'live-events.css'), 'text/css'],
};

// Two tabs: Run on the first sends a message at once; the second reads the stored conversation.
const sendMessageTab = `# AppSyncChat local GraphQL explorer.
# Headers (below) hold the local API key.
# Run sends the message; the answer streams on the
# returned AppSync Events channel: the Live events pane
# (right) subscribes to it and shows every event as it
# arrives. Or watch it with:
#   appsyncchat watch <conversationId>
# A new message needs a new clientRequestId (reload
# the page): the same one returns the first result.
# Apps that must not miss the first events call
# createConversation first, subscribe to its channel,
# then send with its conversationId (docs/catch-up.md).

mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) {
    conversationId
    userMessageId
    assistantMessageId
    channel
    turn
    status
  }
}
`;

const getConversationTab = `# Put a conversationId into Variables, then Run.

query GetConversation($conversationId: ID!) {
  getConversation(conversationId: $conversationId) {
    conversationId
    title
    activeMessageId
    settings {
      modelId
      systemPrompt
    }
    messages {
      messageId
      role
      status
      text
      seq
      offset
    }
  }
}
`;

function escapeForScript(json) {
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function explorerPage(options) {
  // The Live events pane reads the Events endpoints from /app/config.json at run time (no absolute URL in the page).
  const config = escapeForScript(JSON.stringify({ graphqlPath: '/graphql', apiKey: options.apiKey, sendMessageTab, getConversationTab }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>AppSyncChat local GraphQL explorer</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/explorer/graphiql.min.css">
<link rel="stylesheet" href="/explorer/live-events.css">
</head>
<body>
<div id="layout">
<div id="graphiql">Loading the explorer…</div>
<aside id="live" aria-label="Live events">
<header><h2>Live events</h2><span id="live-status" role="status">Run sendMessage: its channel's events appear here.</span></header>
<div id="live-channel"></div>
<ol id="live-events" aria-live="polite"></ol>
</aside>
</div>
<script id="explorer-config" type="application/json">${config}</script>
<script src="/explorer/react.production.min.js"></script>
<script src="/explorer/react-dom.production.min.js"></script>
<script src="/explorer/graphiql.min.js"></script>
<script src="/explorer/live-events.js"></script>
<script src="/explorer/explorer.js"></script>
</body>
</html>
`;
}

/** Returns { body, contentType } for /explorer/<name>, or null when the name is not an asset. */
export async function explorerAsset(name) {
  const entry = Object.hasOwn(assets, name) ? assets[name] : null;
  if (!entry) return null;
  return { body: await readFile(entry[0]), contentType: `${entry[1]}; charset=utf-8` };
}
