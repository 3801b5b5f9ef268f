// The explorer's Live events pane: subscribes to an AppSync Events channel of the local emulator over its
// WebSocket protocol (subprotocol aws-appsync-event-ws, API key auth) and lists each event as it arrives.
// Plain JavaScript (no build step), like the rest of the explorer.
(function () {
  // The local stack's browser configuration: API key and Events endpoints (the same file the chat app reads).
  let events = {};
  const loaded = fetch('/app/config.json', { cache: 'no-store' })
    .then((r) => r.json())
    .then((c) => (events = c))
    .catch(() => undefined);
  const statusEl = document.getElementById('live-status');
  const channelEl = document.getElementById('live-channel');
  const listEl = document.getElementById('live-events');
  let socket = null;
  let generation = 0;
  let text = '';

  function status(message, state) {
    statusEl.textContent = message;
    statusEl.dataset.state = state || '';
  }

  function base64Url(value) {
    const bytes = new TextEncoder().encode(value);
    let binary = '';
    bytes.forEach((b) => (binary += String.fromCharCode(b)));
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function add(event) {
    const item = document.createElement('li');
    const type = document.createElement('span');
    type.className = 'type ' + String(event.type || 'unknown').replace(/\./g, '-');
    type.textContent = event.type || '(no type)';
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = '  turn ' + event.turn + ' · seq ' + event.seq + ('offset' in event ? ' · offset ' + event.offset : '');
    item.append(type, meta);
    const detail = document.createElement('pre');
    if (event.type === 'text.delta') {
      detail.textContent = JSON.stringify(event.text);
      if (event.offset === text.length) text += event.text;
    } else {
      const rest = Object.assign({}, event);
      for (const key of ['v', 'type', 'conversationId', 'messageId', 'turn', 'seq', 'offset']) delete rest[key];
      detail.textContent = JSON.stringify(rest);
    }
    item.append(detail);
    listEl.append(item);
    item.scrollIntoView({ block: 'nearest' });
    status('Subscribed · ' + listEl.children.length + ' events' + (/^turn\.(completed|failed|cancelled)$/.test(event.type) ? ' · ' + event.type : ''), 'subscribed');
  }

  async function follow(channel) {
    const mine = ++generation;
    await loaded;
    if (mine !== generation) return;
    if (socket) socket.close();
    listEl.replaceChildren();
    text = '';
    channelEl.textContent = channel;
    if (!events.eventsRealtimeUrl) {
      status('No Events endpoint is configured for this page.', 'error');
      return;
    }
    status('Connecting…', 'connecting');
    const url = new URL(events.eventsRealtimeUrl);
    const auth = { host: url.host, 'x-api-key': events.apiKey };
    const ws = new WebSocket(events.eventsRealtimeUrl, ['aws-appsync-event-ws', 'header-' + base64Url(JSON.stringify(auth))]);
    socket = ws;
    const id = 'explorer-' + mine;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init' }));
    ws.onmessage = (message) => {
      if (mine !== generation) return;
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      if (frame.type === 'connection_ack') {
        ws.send(JSON.stringify({ type: 'subscribe', id, channel, authorization: auth }));
      } else if (frame.type === 'subscribe_success') {
        status('Subscribed · waiting for events…', 'subscribed');
      } else if (frame.type === 'data' && frame.id === id) {
        try {
          add(typeof frame.event === 'string' ? JSON.parse(frame.event) : frame.event);
        } catch {
          add({ type: '(not JSON)', turn: '?', seq: '?' });
        }
      } else if (/error/.test(frame.type)) {
        status('Error: ' + JSON.stringify(frame.errors || frame), 'error');
      }
    };
    ws.onerror = () => mine === generation && status('The WebSocket failed (is the local stack running?)', 'error');
    ws.onclose = () => mine === generation && statusEl.dataset.state !== 'error' && status(statusEl.textContent + ' · closed', 'closed');
  }

  // Events published before the subscription was acknowledged are not replayed (AppSync does not replay
  // either): the pane subscribes as soon as the result names the channel, usually before the first token.
  window.liveEvents = { follow };
})();
