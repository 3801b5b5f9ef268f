using System.Text.Json;
using AppSyncChat.Api.Errors;
using AppSyncChat.Conversations.Model;

namespace AppSyncChat.Api.Resolver;

/// <summary>
/// Who owns a conversation, from the resolver event's <c>identity</c> (docs/aws-protocols.md §7.1). The
/// prefixes keep the kinds apart, so a Cognito <c>sub</c> can never equal an IAM principal.
/// </summary>
public static class Owners
{
    /// <summary>Every API-key caller (identity <c>null</c>): they share one owner; use Cognito or IAM for private conversations.</summary>
    public const string Anonymous = OwnerIds.Anonymous;

    public const string UserPrefix = OwnerIds.UserPrefix;
    public const string IdentityPoolPrefix = OwnerIds.IdentityPoolPrefix;
    public const string IamPrefix = OwnerIds.IamPrefix;

    public static string FromIdentity(JsonElement identity)
    {
        switch (identity.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return Anonymous;
            case JsonValueKind.Object:
                break;
            default:
                throw ApiErrors.UnsupportedIdentity("identity is not an object");
        }

        // Cognito user pools and OIDC: the token's subject.
        if (NonEmpty(identity, "sub") is { } sub)
        {
            return UserPrefix + sub;
        }

        // IAM via a Cognito identity pool: the identity id is stable per user (the role ARN is shared).
        if (NonEmpty(identity, "cognitoIdentityId") is { } identityId)
        {
            return IdentityPoolPrefix + identityId;
        }

        // Plain IAM: the principal's ARN (for assumed roles it includes the session name).
        if (NonEmpty(identity, "userArn") is { } arn)
        {
            return IamPrefix + arn;
        }

        throw ApiErrors.UnsupportedIdentity(identity.TryGetProperty("resolverContext", out _)
            ? "a Lambda authorizer identity names no user"
            : "the identity has no sub, cognitoIdentityId or userArn");
    }

    private static string? NonEmpty(JsonElement identity, string name) =>
        identity.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : null;
}
