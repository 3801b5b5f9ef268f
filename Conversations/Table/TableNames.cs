namespace AppSyncChat.Conversations.Table;

/// <summary>
/// Every key, index and attribute name of the conversation table, in one place. The CDK stack, the
/// Local stack and the tests build the table from <see cref="TableDefinition"/>, which uses these.
/// </summary>
public static class TableNames
{
    // Primary key: both strings.
    public const string PartitionKey = "PK";
    public const string SortKey = "SK";

    /// <summary>Global secondary index: an owner's conversations ordered by last activity.</summary>
    public const string ByOwnerIndex = "GSI1";
    public const string ByOwnerPartitionKey = "GSI1PK";
    public const string ByOwnerSortKey = "GSI1SK";

    /// <summary>TTL attribute (epoch seconds). DynamoDB deletes the item some time after it passes.</summary>
    public const string ExpiresAt = "expiresAt";

    // Key prefixes.
    public const string ConversationPrefix = "CONV#";
    public const string ConversationSortKey = "META";
    public const string MessagePrefix = "MSG#";
    public const string OwnerPrefix = "OWNER#";
    public const string RequestPrefix = "REQ#";
    public const string RequestSortKey = "REQ";

    // Common attributes.
    public const string Entity = "entity";
    public const string ConversationId = "conversationId";
    public const string CreatedAt = "createdAt";
    public const string UpdatedAt = "updatedAt";

    // Conversation attributes.
    public const string OwnerId = "ownerId";
    public const string Title = "title";
    public const string ActiveMessageId = "activeMessageId";
    public const string LastMessageId = "lastMessageId";
    public const string LastMessagePreview = "lastMessagePreview";

    // Message attributes.
    public const string MessageId = "messageId";
    public const string Role = "role";
    public const string Text = "text";
    public const string Status = "status";
    public const string Turn = "turn";
    public const string Seq = "seq";
    public const string UserMessageId = "userMessageId";
    public const string Settings = "settings";
    public const string StopReason = "stopReason";
    public const string Usage = "usage";
    public const string Error = "error";
    public const string Checksum = "checksum";
    public const string CancelRequested = "cancelRequested";
    public const string LeaseOwner = "leaseOwner";
    public const string LeaseExpiresAtMs = "leaseExpiresAtMs";

    /// <summary>The lease (<c>owner@expiresAtMs</c>) that wrote the final state: lets that holder's retried finish recognise its own write.</summary>
    public const string FinishedBy = "finishedBy";

    // Nested map members (settings, usage, error).
    public const string ModelId = "modelId";
    public const string MaxTokens = "maxTokens";
    public const string Temperature = "temperature";
    public const string TopP = "topP";
    public const string SystemPrompt = "systemPrompt";
    public const string InputTokens = "inputTokens";
    public const string OutputTokens = "outputTokens";
    public const string TotalTokens = "totalTokens";
    public const string ErrorCode = "code";
    public const string ErrorMessage = "message";
    public const string ErrorRetryable = "retryable";

    // Idempotency (turn request) attributes.
    public const string ClientRequestId = "clientRequestId";
    public const string Operation = "operation";
    public const string Fingerprint = "fingerprint";
    public const string State = "state";
    public const string CreatesConversation = "createsConversation";
    public const string AssistantMessageId = "assistantMessageId";
    public const string EnqueueStartedAtMs = "enqueueStartedAtMs";
    public const string QueueMessageId = "queueMessageId";

    // Entity values.
    public const string ConversationEntity = "CONVERSATION";
    public const string MessageEntity = "MESSAGE";
    public const string RequestEntity = "REQUEST";

    public static string ConversationKey(string conversationId) => ConversationPrefix + conversationId;

    public static string MessageKey(string messageId) => MessagePrefix + messageId;

    public static string OwnerKey(string ownerId) => OwnerPrefix + ownerId;

    /// <summary>
    /// Idempotency record key. Client request ids are channel-safe (no <c>#</c>), so the owner part is
    /// everything before the last <c>#</c> and the key is unambiguous even when an owner id has one.
    /// </summary>
    public static string RequestKey(string ownerId, string clientRequestId) => $"{RequestPrefix}{ownerId}#{clientRequestId}";
}
