// AppSync-style GraphQL errors: { path, data, errorType, errorInfo, locations, message }
// (docs/aws-protocols.md §7.1; the exact field set is UNCONFIRMED against the live service).
import { GraphQLError } from 'graphql';

/** An error a resolver throws; carried to the response by formatAppSyncError. */
export class AppSyncResolverError extends Error {
  constructor(errorType, message, data = null, errorInfo = null) {
    super(message);
    this.name = 'AppSyncResolverError';
    this.errorType = errorType;
    this.data = data;
    this.errorInfo = errorInfo;
  }
}

export function appSyncError(errorType, message, data = null, errorInfo = null) {
  return new AppSyncResolverError(errorType, message, data, errorInfo);
}

/** graphql-http formatError hook: every error leaves the server in AppSync's shape. */
export function formatAppSyncError(error) {
  if (!(error instanceof GraphQLError)) {
    // A malformed request (bad JSON body, missing query): AppSync answers BadRequestException.
    return { errorType: 'BadRequestException', message: error.message };
  }
  const original = error.originalError;
  let errorType = original instanceof AppSyncResolverError
    ? original.errorType
    : original instanceof GraphQLError
      ? original.extensions?.errorType
      : error.extensions?.errorType;
  if (!errorType) {
    // No originalError and no path: a parse or validation error of the document or variables.
    errorType = error.path ? 'InternalFailure' : 'ValidationError';
  }
  return {
    path: error.path ?? null,
    data: original instanceof AppSyncResolverError ? original.data : null,
    errorType,
    errorInfo: original instanceof AppSyncResolverError ? original.errorInfo : null,
    locations: (error.locations ?? []).map((l) => ({ line: l.line, column: l.column, sourceName: null })),
    message: error.message,
  };
}
