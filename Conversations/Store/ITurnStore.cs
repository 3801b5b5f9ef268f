using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Model;

namespace AppSyncChat.Conversations.Store;

/// <summary>
/// What the Worker needs from the conversation table: the turn lifecycle of one assistant message.
/// Every write is a single-item conditional write (no transactions: dynalite lacks them, and one item
/// per state change keeps the turn lifecycle easy to reason about).
/// </summary>
public interface ITurnStore
{
    /// <summary>
    /// Claims the assistant message for <paramref name="turn"/>: QUEUED → STREAMING, or takes over a
    /// STREAMING message whose lease has expired. Returns what happened; never throws for a lost race.
    /// </summary>
    Task<ClaimResult> ClaimAsync(string conversationId, string messageId, int turn, TurnLease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Messages before <paramref name="beforeMessageId"/> (exclusive), oldest first, at most
    /// <paramref name="maxMessages"/> and <paramref name="maxCharacters"/> of text, keeping the newest.
    /// </summary>
    Task<IReadOnlyList<ChatMessage>> LoadHistoryAsync(string conversationId, string beforeMessageId, int maxMessages, int maxCharacters, CancellationToken cancellationToken);

    /// <summary>Writes partial text and seq while the lease is held; false when the lease was lost.</summary>
    Task<bool> CheckpointAsync(string conversationId, string messageId, Checkpoint checkpoint, TurnLease lease, CancellationToken cancellationToken);

    /// <summary>True when stopGeneration was recorded for the message (a cheap consistent read).</summary>
    Task<bool> IsCancelRequestedAsync(string conversationId, string messageId, CancellationToken cancellationToken);

    /// <summary>Stores the final state (text, status, usage or error) and clears the lease and the conversation's active message.</summary>
    Task<bool> FinishAsync(string conversationId, string messageId, TurnOutcome outcome, TurnLease lease, CancellationToken cancellationToken);
}

public sealed record Checkpoint(string Text, long Seq, int Turn);

/// <summary>The final state of a turn.</summary>
public sealed record TurnOutcome(
    string Status,
    string Text,
    long Seq,
    int Turn,
    string? StopReason,
    TokenUsage? Usage,
    MessageError? Error,
    string Checksum);

public enum ClaimStatus
{
    /// <summary>QUEUED → STREAMING: start the answer.</summary>
    Claimed,

    /// <summary>A previous worker's lease expired mid-answer: resume from <see cref="ClaimResult.Message"/>'s stored text.</summary>
    TakenOver,

    /// <summary>Another worker holds a live lease: a duplicate delivery; do nothing.</summary>
    LeaseHeld,

    /// <summary>The message is already final: do nothing.</summary>
    AlreadyFinal,

    /// <summary>No such message (deleted conversation, or a malformed request).</summary>
    NotFound,
}

public sealed record ClaimResult(ClaimStatus Status, ChatMessage? Message);
