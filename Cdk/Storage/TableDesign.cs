namespace AppSyncChat.Cdk.Storage;

/// <summary>
/// The conversation table's key schema as the stack deploys it. These names must equal the ones the
/// <c>Conversations</c> store uses (single-table design: PK/SK strings and one GSI that lists an owner's
/// conversations newest first). Kept in one place so it can be swapped for the store's own constants
/// once they are merged; the CDK tests pin every value.
/// </summary>
public static class TableDesign
{
    public const string PartitionKey = "PK";
    public const string SortKey = "SK";

    /// <summary>GSI of conversation items: partition = the owner, sort = last update time (ISO-8601), so a descending query is newest first.</summary>
    public const string OwnerIndexName = "GSI1";
    public const string OwnerIndexPartitionKey = "GSI1PK";
    public const string OwnerIndexSortKey = "GSI1SK";

    /// <summary>Epoch seconds after which DynamoDB may delete the item (idempotency records, optional conversation expiry).</summary>
    public const string TimeToLiveAttribute = "expiresAt";

    /// <summary>Partition key value of a conversation: <c>CONV#&lt;conversationId&gt;</c>.</summary>
    public const string ConversationKeyPrefix = "CONV#";

    /// <summary>Sort key of the conversation's own item (title, owner, active message).</summary>
    public const string ConversationMetaSortKey = "META";

    /// <summary>Attribute of the conversation item holding the owner id (see <see cref="OwnerIds"/>).</summary>
    public const string OwnerAttribute = "ownerId";
}

/// <summary>
/// How a caller becomes an owner id, the value stored in <see cref="TableDesign.OwnerAttribute"/>. The Api
/// (GraphQL) and the Events <c>onSubscribe</c> handler must derive it the same way.
/// </summary>
public static class OwnerIds
{
    /// <summary>Cognito user pool callers: the prefix followed by the token's <c>sub</c> claim.</summary>
    public const string CognitoPrefix = "user#";

    /// <summary>API-key callers carry no identity; they all share this owner (the API key is the credential).</summary>
    public const string ApiKeyOwner = "apikey";
}
