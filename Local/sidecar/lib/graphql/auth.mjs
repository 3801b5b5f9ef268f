// Request authorization as AppSync does it for a GraphQL API whose default mode is API_KEY, with
// Cognito user pools (the configured local users' bearer tokens) as an additional mode. IAM (SigV4) callers are
// refused: the local endpoint does not verify SigV4 signatures.
import { timingSafeEqual } from 'node:crypto';
import { appSyncError } from './errors.mjs';

export const AuthMode = Object.freeze({
  ApiKey: 'API_KEY',
  CognitoUserPools: 'AMAZON_COGNITO_USER_POOLS',
  Iam: 'AWS_IAM',
  Oidc: 'OPENID_CONNECT',
  Lambda: 'AWS_LAMBDA',
});

const directiveModes = {
  aws_api_key: AuthMode.ApiKey,
  aws_cognito_user_pools: AuthMode.CognitoUserPools,
  aws_auth: AuthMode.CognitoUserPools,
  aws_iam: AuthMode.Iam,
  aws_oidc: AuthMode.Oidc,
  aws_lambda: AuthMode.Lambda,
};

function sameSecret(a, b) {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Decides the auth mode of one HTTP request. Returns { mode, identity } or { error } (an HTTP 401
 * body in AppSync's shape).
 */
export function authenticate(headers, remoteAddress, options) {
  const apiKey = headers['x-api-key'];
  const authorization = headers.authorization;
  if (typeof apiKey === 'string' && apiKey.length > 0) {
    if (!sameSecret(apiKey, options.apiKey)) {
      return { error: unauthorized('You are not authorized to make this call.') };
    }
    return { mode: AuthMode.ApiKey, identity: null };
  }
  if (typeof authorization === 'string' && authorization.length > 0) {
    if (authorization.startsWith('AWS4-HMAC-SHA256')) {
      return { error: unauthorized('IAM (SigV4) authorization is not supported by the local GraphQL endpoint; use the x-api-key header or the local user token.') };
    }
    const token = authorization.replace(/^Bearer\s+/i, '');
    const user = options.localUsers.find((candidate) => sameSecret(token, candidate.token));
    if (!user) {
      return { error: unauthorized('Valid authorization header not provided.') };
    }
    const issuer = `https://cognito-idp.${options.region}.amazonaws.com/${options.region}_appsyncchatlocal`;
    return {
      mode: AuthMode.CognitoUserPools,
      identity: {
        sub: user.sub,
        issuer,
        username: user.username,
        claims: {
          sub: user.sub,
          iss: issuer,
          'cognito:username': user.username,
          'cognito:groups': user.groups.length > 0 ? user.groups : undefined,
          token_use: 'id',
        },
        sourceIp: [remoteAddress],
        defaultAuthStrategy: 'ALLOW',
        groups: user.groups.length > 0 ? user.groups : null,
      },
    };
  }
  return { error: unauthorized('Valid authorization header not provided.') };
}

function unauthorized(message) {
  return { errors: [{ errorType: 'UnauthorizedException', message }] };
}

function modesOf(astNode) {
  const modes = [];
  for (const directive of astNode?.directives ?? []) {
    const mode = directiveModes[directive.name.value];
    if (mode) {
      const groupsArg = directive.arguments?.find((a) => a.name.value === 'cognito_groups');
      const groups = groupsArg?.value?.values?.map((v) => v.value) ?? null;
      modes.push({ mode, groups });
    }
  }
  return modes;
}

/**
 * The auth modes a field accepts: its own directives, else its type's, else the API's default mode
 * (field-level directives override type-level ones; docs/aws-protocols.md §7.3, override rules UNCONFIRMED).
 */
export function allowedModes(parentType, field, defaultMode) {
  const own = modesOf(field.astNode);
  if (own.length > 0) return own;
  const fromType = modesOf(parentType.astNode);
  if (fromType.length > 0) return fromType;
  return [{ mode: defaultMode, groups: null }];
}

/** Throws AppSync's field-level Unauthorized error when the caller's mode is not allowed. */
export function assertFieldAllowed(allowed, caller, parentTypeName, fieldName) {
  const ok = allowed.some((entry) => {
    if (entry.mode !== caller.mode) return false;
    if (entry.mode !== AuthMode.CognitoUserPools || !entry.groups) return true;
    const groups = caller.identity?.groups ?? [];
    return entry.groups.some((g) => groups.includes(g));
  });
  if (!ok) {
    throw appSyncError('Unauthorized', `Not Authorized to access ${fieldName} on type ${parentTypeName}`);
  }
}
