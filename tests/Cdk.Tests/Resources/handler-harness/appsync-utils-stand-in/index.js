// Test stand-in for the APPSYNC_JS `util` module: only what the chat handlers call. The real
// util.unauthorized()/util.error() abort the handler; here they throw a marked error the harness reads.
export const util = {
  unauthorized() {
    const error = new Error('Unauthorized');
    error.outcome = 'unauthorized';
    throw error;
  },
  error(message, type) {
    const error = new Error(message);
    error.outcome = 'error';
    error.errorType = type;
    throw error;
  },
};
