namespace AppSyncChat.Cdk.Storage;

/// <summary>
/// How a caller becomes an owner id (the conversation item's <c>ownerId</c>). These mirror
/// <c>AppSyncChat.Api.Resolver.Owners</c>, which the Api applies to GraphQL callers; the Events
/// <c>onSubscribe</c> handler must derive the same value. The Api is an executable the CDK app does not
/// reference, so the CDK tests compare both sets of constants.
/// </summary>
public static class OwnerIds
{
    /// <summary>Cognito user pool callers: the prefix followed by the token's <c>sub</c>.</summary>
    public const string CognitoPrefix = "user:";

    /// <summary>API-key callers carry no identity; they all share this owner (the API key is the credential).</summary>
    public const string ApiKeyOwner = "anonymous";
}
