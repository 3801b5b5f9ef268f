namespace AppSyncChat.Conversations.Model;

/// <summary>
/// The idempotency record of one turn-starting request (<c>sendMessage</c> or <c>regenerate</c>), keyed by
/// owner and client request id. It reserves the ids first and records how far the request got, so a retry
/// completes the missing steps (see <c>Conversations/README.md</c>, "Write order").
/// </summary>
public sealed record TurnRequestRecord
{
    public required string OwnerId { get; init; }

    public required string ClientRequestId { get; init; }

    /// <summary><c>sendMessage</c> or <c>regenerate</c>.</summary>
    public required string Operation { get; init; }

    /// <summary>Hash of the request's input: a retry with the same id but a different input is rejected.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>One of <see cref="TurnRequestStates"/>.</summary>
    public required string State { get; init; }

    public required string ConversationId { get; init; }

    /// <summary>True when this request creates the conversation (sendMessage without a conversation id).</summary>
    public bool CreatesConversation { get; init; }

    public required string UserMessageId { get; init; }

    public required string AssistantMessageId { get; init; }

    public required int Turn { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the current ENQUEUING attempt started; another attempt may take over after a while.</summary>
    public DateTimeOffset? EnqueueStartedAt { get; init; }

    /// <summary>The SQS message id, once DONE.</summary>
    public string? QueueMessageId { get; init; }
}

public static class TurnRequestStates
{
    /// <summary>Ids reserved; conversation lock and messages may or may not be written yet.</summary>
    public const string Pending = "PENDING";

    /// <summary>Messages stored; one attempt is sending the queue message.</summary>
    public const string Enqueuing = "ENQUEUING";

    /// <summary>Queue message sent: a retry only returns the result.</summary>
    public const string Done = "DONE";
}

public static class TurnOperations
{
    public const string SendMessage = "sendMessage";
    public const string Regenerate = "regenerate";

    /// <summary>Not a turn: <c>createConversation</c> shares the idempotency records (<see cref="ConversationRequestRecord"/>).</summary>
    public const string CreateConversation = "createConversation";
}

/// <summary>
/// The idempotency record of a <c>createConversation</c> request. It lives under the same key as
/// <see cref="TurnRequestRecord"/> (owner + client request id), so one client request id names one request
/// whatever its operation. It reserves the conversation id before the conversation is written.
/// </summary>
public sealed record ConversationRequestRecord
{
    public required string OwnerId { get; init; }

    public required string ClientRequestId { get; init; }

    /// <summary><see cref="TurnOperations.CreateConversation"/> for a record this request wrote; another value when the id was used for another operation.</summary>
    public required string Operation { get; init; }

    /// <summary>Hash of the request's input: a retry with the same id but a different input is rejected.</summary>
    public required string Fingerprint { get; init; }

    /// <summary><see cref="TurnRequestStates.Pending"/> (id reserved) or <see cref="TurnRequestStates.Done"/> (conversation written).</summary>
    public required string State { get; init; }

    public required string ConversationId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}
