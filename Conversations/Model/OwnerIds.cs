namespace AppSyncChat.Conversations.Model;

/// <summary>
/// The forms of a conversation's <c>ownerId</c>. The Api derives it from the GraphQL caller's identity;
/// anything else that checks ownership (the AppSync Events <c>onSubscribe</c> handler the CDK stack
/// deploys) must derive it the same way, from these constants.
/// </summary>
public static class OwnerIds
{
    /// <summary>Every API-key caller (identity <c>null</c>): they share this one owner.</summary>
    public const string Anonymous = "anonymous";

    /// <summary>Cognito user pools / OIDC: the prefix + the token's <c>sub</c>.</summary>
    public const string UserPrefix = "user:";

    /// <summary>IAM through a Cognito identity pool: the prefix + <c>cognitoIdentityId</c>.</summary>
    public const string IdentityPoolPrefix = "identity:";

    /// <summary>Plain IAM: the prefix + the caller's <c>userArn</c>.</summary>
    public const string IamPrefix = "iam:";
}
