using AppSyncChat.Conversations.Model;

namespace AppSyncChat.Conversations.Store;

/// <summary>What the Api needs from the conversation table. Single-item conditional writes only.</summary>
public interface IConversationStore
{
    Task<Conversation?> GetConversationAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="limit"/> messages (all when null), oldest first.</summary>
    Task<IReadOnlyList<ChatMessage>> GetMessagesAsync(string conversationId, int? limit, CancellationToken cancellationToken);

    Task<ChatMessage?> GetMessageAsync(string conversationId, string messageId, CancellationToken cancellationToken);

    /// <summary>The owner's conversations, newest first, paged by an opaque token.</summary>
    Task<ConversationPage> ListConversationsAsync(string ownerId, int limit, string? nextToken, CancellationToken cancellationToken);

    /// <summary>Records stopGeneration durably. Returns the message as it is after the write, or null when not found.</summary>
    Task<ChatMessage?> RequestCancelAsync(string conversationId, string messageId, CancellationToken cancellationToken);
}

public sealed record ConversationPage(IReadOnlyList<ConversationSummary> Items, string? NextToken);

public sealed record ConversationSummary(string ConversationId, string? Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? LastMessagePreview);
