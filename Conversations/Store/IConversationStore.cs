using AppSyncChat.Contracts.Queue;
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

    // ---- Turn-starting requests (sendMessage, regenerate); see README "Write order". ----

    /// <summary>Writes the idempotency record as PENDING when absent; returns the stored record (the existing one on a retry).</summary>
    Task<TurnRequestRecord> ReserveRequestAsync(TurnRequestRecord record, CancellationToken cancellationToken);

    Task<TurnRequestRecord?> GetRequestAsync(string ownerId, string clientRequestId, CancellationToken cancellationToken);

    /// <summary>Deletes a PENDING record of a rejected request, so nothing stored changes; false when it moved on.</summary>
    Task<bool> ReleaseRequestAsync(TurnRequestRecord record, CancellationToken cancellationToken);

    /// <summary>Gives a PENDING record fresh message ids (its reserved ids no longer sort last); null when it moved on.</summary>
    Task<TurnRequestRecord?> ReassignRequestIdsAsync(TurnRequestRecord record, string userMessageId, string assistantMessageId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates the conversation or takes its one-running-turn lock for the assistant message. Locking a
    /// conversation that has no title yet (created without one) sets <see cref="StartTurnCommand.Title"/>.
    /// </summary>
    Task<StartTurnResult> StartTurnAsync(StartTurnCommand command, CancellationToken cancellationToken);

    /// <summary>Puts a message unless one with its id exists; false when it existed (a retry).</summary>
    Task<bool> PutMessageIfAbsentAsync(ChatMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// PENDING → ENQUEUING (or takes over an ENQUEUING attempt that started before
    /// <paramref name="takeOverStartedBefore"/>); null when another attempt owns the enqueue or it is DONE.
    /// </summary>
    Task<TurnRequestRecord?> TryBeginEnqueueAsync(TurnRequestRecord record, DateTimeOffset takeOverStartedBefore, CancellationToken cancellationToken);

    /// <summary>ENQUEUING → PENDING after a failed send, so an immediate retry sends again.</summary>
    Task<bool> ReturnToPendingAsync(TurnRequestRecord record, CancellationToken cancellationToken);

    /// <summary>ENQUEUING → DONE.</summary>
    Task<bool> CompleteRequestAsync(TurnRequestRecord record, string? queueMessageId, CancellationToken cancellationToken);

    /// <summary>
    /// Finishes an abandoned (stuck) turn with <paramref name="finalStatus"/> when it is unchanged since
    /// <paramref name="observed"/> (status and updatedAt), clearing its lease, and frees its conversation.
    /// </summary>
    Task<bool> AbandonTurnAsync(ChatMessage observed, string finalStatus, MessageError error, CancellationToken cancellationToken);

    // ---- createConversation; see README "Write order of createConversation". ----

    /// <summary>Writes the createConversation idempotency record as PENDING when absent; returns the stored record (the existing one on a retry, whatever its operation).</summary>
    Task<ConversationRequestRecord> ReserveConversationRequestAsync(ConversationRequestRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Puts the empty conversation unless it exists; returns the stored conversation (the existing one on a
    /// retry), or null when the id is taken by another owner.
    /// </summary>
    Task<Conversation?> CreateConversationAsync(NewConversation conversation, CancellationToken cancellationToken);

    /// <summary>PENDING → DONE; false when it already was DONE.</summary>
    Task<bool> CompleteConversationRequestAsync(ConversationRequestRecord record, CancellationToken cancellationToken);

    /// <summary>Frees the conversation when <paramref name="messageId"/> is still its active message.</summary>
    Task<bool> ClearActiveMessageAsync(string conversationId, string messageId, CancellationToken cancellationToken, string? preview = null);
}

/// <summary>An empty conversation as createConversation writes it: owner, optional title and default settings, no messages.</summary>
public sealed record NewConversation(string ConversationId, string OwnerId, string? Title, ModelSettings? Settings, DateTimeOffset CreatedAt);

/// <summary>Create the conversation (sendMessage without an id) or lock an existing one for a new assistant message.</summary>
public sealed record StartTurnCommand(
    string ConversationId,
    string OwnerId,
    bool CreateConversation,
    string AssistantMessageId,
    string? Title,
    string? Preview);

public enum StartTurnStatus
{
    /// <summary>Created or locked: the conversation's active message is the new assistant message.</summary>
    Started,

    /// <summary>No such conversation for this owner.</summary>
    NotFound,

    /// <summary>Another assistant message is active (<see cref="StartTurnResult.Conversation"/> says which).</summary>
    Busy,

    /// <summary>Free, but a newer message exists than the reserved ids: reserve fresh ids and try again.</summary>
    IdsTooOld,
}

public sealed record StartTurnResult(StartTurnStatus Status, Conversation? Conversation);

public sealed record ConversationPage(IReadOnlyList<ConversationSummary> Items, string? NextToken);

public sealed record ConversationSummary(string ConversationId, string? Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? LastMessagePreview);
