// AppSync direct Lambda resolver (docs/aws-protocols.md §7.1): each root field is handed to the Api
// function as the resolver context object, through the Lambda Invoke API
// (POST /2015-03-31/functions/{name}/invocations), signed with SigV4 as AppSync's service role would.
import { Kind, print } from 'graphql';
import { signRequest } from '../aws-sigv4.mjs';
import { appSyncError } from './errors.mjs';

/** AppSync's resolver timeout. */
const resolverTimeoutMs = 30_000;

/** "id", "author", "author/name" ...: field paths of the selection, fragments expanded (aliases ignored). */
export function selectionSetList(fieldNodes, fragments) {
  const out = [];
  const walk = (selectionSet, prefix) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        const path = prefix ? `${prefix}/${name}` : name;
        if (!out.includes(path)) out.push(path);
        if (selection.selectionSet) walk(selection.selectionSet, path);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, prefix);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments[selection.name.value];
        if (fragment) walk(fragment.selectionSet, prefix);
      }
    }
  };
  for (const node of fieldNodes) {
    if (node.selectionSet) walk(node.selectionSet, '');
  }
  return out;
}

export function selectionSetGraphQL(fieldNodes) {
  const node = fieldNodes[0];
  return node?.selectionSet ? print(node.selectionSet) : '';
}

function plain(value) {
  // graphql-js builds argument maps with a null prototype; JSON.stringify copes, structuredClone-free.
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** The event AppSync sends to a direct Lambda resolver. */
export function buildResolverEvent(source, args, context, info) {
  return {
    arguments: plain(args) ?? {},
    identity: context.auth.identity,
    source: source ?? null,
    request: { headers: context.headers, domainName: null },
    info: {
      fieldName: info.fieldName,
      parentTypeName: info.parentType.name,
      variables: plain(info.variableValues) ?? {},
      selectionSetList: selectionSetList(info.fieldNodes, info.fragments),
      selectionSetGraphQL: selectionSetGraphQL(info.fieldNodes),
    },
    prev: null,
    stash: {},
  };
}

/**
 * Invokes the function and returns the field value, or throws AppSync-style errors:
 * a function error (X-Amz-Function-Error) keeps the function's errorType and errorMessage; an Invoke
 * API failure becomes "Lambda:<ServiceErrorType>".
 */
export async function invokeLambda(options, event) {
  const url = `${options.invokeEndpoint.replace(/\/$/, '')}/2015-03-31/functions/${encodeURIComponent(options.functionName)}/invocations`;
  const body = JSON.stringify(event);
  const headers = signRequest({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' },
    body,
    region: options.region,
    service: 'lambda',
    credentials: options.credentials,
  });
  let response;
  try {
    response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(resolverTimeoutMs) });
  } catch (error) {
    if (error.name === 'TimeoutError') {
      throw appSyncError('ExecutionTimeout', 'Execution timed out.');
    }
    throw appSyncError('Lambda:ServiceException', `Could not reach the Lambda Invoke API at ${options.invokeEndpoint}: ${error.cause?.code ?? error.message}`);
  }
  const text = await response.text();
  let payload = null;
  let parsed = true;
  try {
    payload = text.length === 0 ? null : JSON.parse(text);
  } catch {
    parsed = false;
  }
  if (!response.ok) {
    const type = (response.headers.get('x-amzn-errortype') ?? payload?.__type ?? payload?.Type ?? 'ServiceException').split(':')[0].split('#').pop();
    const message = payload?.message ?? payload?.Message ?? `Lambda Invoke API returned HTTP ${response.status}`;
    throw appSyncError(`Lambda:${type}`, message);
  }
  if (response.headers.get('x-amz-function-error')) {
    // docs/aws-protocols.md §7.1: errorType from the function's error (UNCONFIRMED exact string).
    const errorType = typeof payload?.errorType === 'string' && payload.errorType.length > 0 ? payload.errorType : 'Lambda:Unhandled';
    const message = typeof payload?.errorMessage === 'string' ? payload.errorMessage : 'The Lambda function failed.';
    throw appSyncError(errorType, message);
  }
  if (!parsed) {
    throw appSyncError('Lambda:Unhandled', 'The Lambda function returned a response that is not JSON.');
  }
  return payload;
}
