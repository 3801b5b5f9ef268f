namespace AppSyncChat.Client.GraphQL;

/// <summary>The snapshot source of the catch-up algorithm (GraphQL <c>getConversation</c>).</summary>
public interface IConversationSnapshots
{
    /// <summary>The conversation with its newest <paramref name="messageLimit"/> messages (all when null); null when unknown.</summary>
    Task<Conversation?> GetConversationAsync(string conversationId, int? messageLimit, CancellationToken cancellationToken);
}

/// <summary>Every root field of <c>Contracts/schema.graphql</c>, typed.</summary>
public interface IChatApi : IConversationSnapshots
{
    Task<SendMessageResult> SendMessageAsync(SendMessageInput input, CancellationToken cancellationToken);

    /// <summary>An empty conversation owned by the caller (subscribe to its channel, then send its first message).</summary>
    Task<Conversation> CreateConversationAsync(CreateConversationInput input, CancellationToken cancellationToken);

    Task<SendMessageResult> RegenerateAsync(RegenerateInput input, CancellationToken cancellationToken);

    Task<StopGenerationResult> StopGenerationAsync(StopGenerationInput input, CancellationToken cancellationToken);

    Task<ConversationPage> ListConversationsAsync(int? limit, string? nextToken, CancellationToken cancellationToken);
}
