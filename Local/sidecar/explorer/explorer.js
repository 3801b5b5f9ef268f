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
  const fetcher = GraphiQL.createFetcher({ url: config.graphqlPath });
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.exampleQuery,
      variables: JSON.stringify(variables, null, 2),
      headers: JSON.stringify({ 'x-api-key': config.apiKey }, null, 2),
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    }),
  );
})();
