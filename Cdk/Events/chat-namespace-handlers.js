// AppSync Events handlers of the `chat` namespace (APPSYNC_JS runtime).
//
// The stack inserts the constants this file uses (PK_ATTRIBUTE, SK_ATTRIBUTE, CONVERSATION_PREFIX,
// CONVERSATION_SORT_KEY, OWNER_ATTRIBUTE, COGNITO_OWNER_PREFIX, API_KEY_OWNER) from the store's TableNames
// and the Api's owner rules, so the handler reads the same keys and owner ids the Api writes.
//
// onSubscribe enforces:
//   * the channel is exactly /chat/<conversationId> with a valid id (no wildcard, no deeper path), so
//     nobody can watch every conversation with /chat/*;
//   * the conversation exists and its owner is the caller: Cognito callers by `user:<sub>`, API-key
//     callers (no identity) by the shared owner `anonymous`, exactly as the Api assigns owners; any other
//     identity (IAM, a Lambda authorizer) is refused. An
//     API-key holder can therefore watch every conversation created with the API key, never a Cognito
//     user's conversation, and a Cognito user only their own.
// It does not enforce: sharing a conversation with other users (there is no ACL in the table yet),
// IAM subscribers (the namespace does not accept IAM for subscribe, so conversations created through
// IAM GraphQL callers cannot be watched), or revocation of a live subscription when ownership changes
// (the check runs once, at subscribe time).
//
// Written for the APPSYNC_JS subset: no regular expressions, no while/try/throw, for-of only.
// UNCONFIRMED until deployed: ctx.result of a DynamoDB GetItem in an Events handler is the item or
// null (as in GraphQL resolvers), and ctx.identity.sub carries the Cognito subject.
import { util } from '@aws-appsync/utils';
import * as ddb from '@aws-appsync/utils/dynamodb';

const ID_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-';

function isConversationId(id) {
  if (typeof id !== 'string' || id.length < 1 || id.length > 50) {
    return false;
  }
  if (id.charAt(0) === '-' || id.charAt(id.length - 1) === '-') {
    return false;
  }
  for (const ch of id.split('')) {
    if (ID_CHARACTERS.indexOf(ch) < 0) {
      return false;
    }
  }
  return true;
}

// The owner id of the caller, or null for an identity that names no user this handler knows: only a caller
// with no identity at all is the API key's shared owner, never an IAM principal or a Lambda-authorizer
// identity that happens to lack a sub (the namespace accepts neither today; this keeps a later change safe).
function callerOwnerId(identity) {
  if (!identity) {
    return API_KEY_OWNER;
  }
  if (identity.sub) {
    return COGNITO_OWNER_PREFIX + identity.sub;
  }
  return null;
}

export const onSubscribe = {
  request(ctx) {
    const segments = ctx.info.channel.segments;
    if (segments.length !== 2 || !isConversationId(segments[1])) {
      util.unauthorized();
    }
    const owner = callerOwnerId(ctx.identity);
    if (!owner) {
      util.unauthorized();
    }
    ctx.stash.owner = owner;
    const key = {};
    key[PK_ATTRIBUTE] = CONVERSATION_PREFIX + segments[1];
    key[SK_ATTRIBUTE] = CONVERSATION_SORT_KEY;
    return ddb.get({ key: key, consistentRead: true });
  },
  response(ctx) {
    if (ctx.error) {
      util.error(ctx.error.message, ctx.error.type);
    }
    const item = ctx.result;
    if (!item || item[OWNER_ATTRIBUTE] !== ctx.stash.owner) {
      util.unauthorized();
    }
  },
};
