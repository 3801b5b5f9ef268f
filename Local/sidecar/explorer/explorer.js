// The offline GraphQL explorer: GraphiQL (UMD build from npm) pointed at the local endpoint, with the
// local API key in the Headers editor and an example sendMessage ready to run.
(function () {
  const config = JSON.parse(document.getElementById('explorer-config').textContent);
  const requestId = 'explorer-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8);
  const variables = {
    input: {
      text: 'Hello! What can you tell me about streaming answers?',
      clientRequestId: requestId,
    },
  };
  const headers = JSON.stringify({ 'x-api-key': config.apiKey }, null, 2);
  const baseFetcher = GraphiQL.createFetcher({ url: config.graphqlPath });
  // Every result that names a channel (sendMessage, regenerate, createConversation) points the Live
  // events pane at it, so the answer's events show up beside the result without leaving the page.
  function notice(result) {
    const data = result && result.data;
    if (!data || typeof data !== 'object') return;
    for (const value of Object.values(data)) {
      if (value && typeof value === 'object' && typeof value.channel === 'string') {
        window.liveEvents.follow(value.channel);
        return;
      }
    }
  }
  // The fetcher answers a result, or (multipart/incremental delivery) an async iterable of results, either
  // possibly behind a promise: look at every result on its way to GraphiQL.
  function watch(result) {
    if (result && typeof result[Symbol.asyncIterator] === 'function') {
      return (async function* () {
        for await (const part of result) {
          notice(part);
          yield part;
        }
      })();
    }
    notice(result);
    return result;
  }
  const fetcher = (params, options) => Promise.resolve(baseFetcher(params, options)).then(watch);
  // Nothing persists between page loads, so every load starts with a fresh clientRequestId.
  const memory = new Map();
  const storage = {
    getItem: (key) => (memory.has(key) ? memory.get(key) : null),
    setItem: (key, value) => memory.set(key, String(value)),
    removeItem: (key) => memory.delete(key),
    clear: () => memory.clear(),
    get length() {
      return memory.size;
    },
  };
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      storage: storage,
      defaultTabs: [
        { query: config.sendMessageTab, variables: JSON.stringify(variables, null, 2), headers: headers },
        { query: config.getConversationTab, variables: JSON.stringify({ conversationId: '' }, null, 2), headers: headers },
      ],
      // The editors start from these props; defaultTabs alone leaves them empty (GraphiQL 3.8).
      query: config.sendMessageTab,
      variables: JSON.stringify(variables, null, 2),
      headers: headers,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    }),
  );
})();
