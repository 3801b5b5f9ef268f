// Test stand-in for `@aws-appsync/utils/dynamodb`: get() returns the request it describes.
export function get(request) {
  return { operation: 'GetItem', ...request };
}
