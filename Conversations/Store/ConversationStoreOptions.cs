namespace AppSyncChat.Conversations.Store;

/// <summary>Settings of <see cref="DynamoConversationStore"/>.</summary>
public sealed record ConversationStoreOptions(string TableName)
{
    /// <summary>
    /// How long conversations and messages live after their last write (TTL); null keeps them forever.
    /// A message's TTL is set when it is written, a conversation's on every activity.
    /// </summary>
    public TimeSpan? Retention { get; init; }

    /// <summary>How long idempotency records are kept: retries with the same client request id within this window return the first result.</summary>
    public TimeSpan RequestRetention { get; init; } = TimeSpan.FromHours(24);
}
