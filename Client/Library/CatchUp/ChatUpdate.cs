using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.CatchUp;

/// <summary>
/// What a follower of a conversation sees, in order. The text of the followed message is maintained with
/// exactly two operations: <see cref="TextAppended"/> (append) and <see cref="TextReset"/> (replace all).
/// Every other update is informational.
/// </summary>
public abstract record ChatUpdate(string MessageId);

/// <summary>The follower now follows this assistant message (first, or the next one in follow mode). Its text starts empty.</summary>
/// <param name="Prompt">
/// The user message this answers: from the snapshot, or from <see cref="FollowRequest.Prompt"/> when the follower
/// started before the snapshot arrived (then null when the caller did not know it; <see cref="PromptFound"/> follows).
/// </param>
public sealed record FollowingMessage(string ConversationId, string MessageId, int Turn, string Status, string? Prompt) : ChatUpdate(MessageId);

/// <summary>
/// The user message the followed answer replies to, when <see cref="FollowingMessage"/> could not carry it: the
/// follower started from the answer's first event before the snapshot arrived, and the caller did not pass
/// <see cref="FollowRequest.Prompt"/>. Comes with that snapshot, at most once per message.
/// </summary>
public sealed record PromptFound(string MessageId, string Prompt) : ChatUpdate(MessageId);

/// <summary>Text to append; <paramref name="Offset"/> is the message length before it.</summary>
public sealed record TextAppended(string MessageId, string Text, long Offset) : ChatUpdate(MessageId);

/// <summary>Replace the whole text of the message (a turn takeover truncated it, or a snapshot disagreed).</summary>
public sealed record TextReset(string MessageId, string Text, ResyncReason Reason) : ChatUpdate(MessageId);

/// <summary>
/// The worker began the answer (<c>turn.started</c> was applied). <paramref name="RequestedAtMs"/> is when the Api
/// accepted the request (Unix ms), for latency figures.
/// </summary>
public sealed record AnswerStarted(string MessageId, int Turn, string? ModelId, long? RequestedAtMs) : ChatUpdate(MessageId);

/// <summary>A new turn (attempt) of the message began, e.g. a worker took over after a crash; text continues from <paramref name="Offset"/>.</summary>
public sealed record TurnRestarted(string MessageId, int Turn, long Offset) : ChatUpdate(MessageId);

public sealed record ToolCallStarted(string MessageId, string ToolUseId, string Name, string? Summary) : ChatUpdate(MessageId);

public sealed record ToolCallFinished(string MessageId, string ToolUseId, string Name, string Status, long? DurationMs, string? Summary) : ChatUpdate(MessageId);

/// <summary>A snapshot was fetched again and applied (the text updates, if any, precede this).</summary>
public sealed record Resynced(string MessageId, ResyncReason Reason, string Status, long Length) : ChatUpdate(MessageId);

/// <summary>The subscription had dropped and is live again; a snapshot follows.</summary>
public sealed record ConnectionRestored(string MessageId) : ChatUpdate(MessageId);

/// <summary>Terminal: the message reached a final state. <paramref name="Text"/> is the whole, verified final text.</summary>
public abstract record MessageFinished(string MessageId, string Text, string Status) : ChatUpdate(MessageId);

public sealed record MessageCompleted(string MessageId, string Text, string? StopReason, TokenUsage? Usage) : MessageFinished(MessageId, Text, Contracts.Conversations.MessageStatus.Completed);

/// <summary><paramref name="Status"/> is <c>FAILED</c> (nothing produced) or <c>INTERRUPTED</c> (partial text kept).</summary>
public sealed record MessageFailed(string MessageId, string Text, string Status, string ErrorCode, string ErrorMessage, bool Retryable) : MessageFinished(MessageId, Text, Status);

public sealed record MessageCancelled(string MessageId, string Text) : MessageFinished(MessageId, Text, Contracts.Conversations.MessageStatus.Cancelled);

/// <summary>Why the follower fetched the snapshot again.</summary>
public enum ResyncReason
{
    /// <summary>First snapshot after subscribing.</summary>
    Joined,

    /// <summary>An event is missing (seq jump or offset beyond the text) and did not arrive in time.</summary>
    Gap,

    /// <summary>The subscription reconnected; events may have been lost meanwhile.</summary>
    Reconnected,

    /// <summary>The terminal event's length or checksum did not match the text.</summary>
    ChecksumMismatch,

    /// <summary>No event for a while; the snapshot is checked in case the last events were lost.</summary>
    Idle,

    /// <summary>A higher turn took over and truncated the text.</summary>
    TurnTakeover,

    /// <summary>Events of a new message arrived (follow mode).</summary>
    NewMessage,
}

/// <summary>
/// First update of <see cref="ChatClient.SendAsync"/> into a new conversation (and of
/// <see cref="ChatClient.StartConversationAsync"/>): the conversation exists and its channel is subscribed
/// (acknowledged), so every event of the first answer will arrive. <see cref="MessageAccepted"/> follows.
/// No message exists yet, so <see cref="ChatUpdate.MessageId"/> is empty.
/// </summary>
public sealed record ConversationStarted(GraphQL.Conversation Conversation) : ChatUpdate(string.Empty);

/// <summary>First update of <see cref="ChatClient.SendAsync"/> and <see cref="ChatClient.RegenerateAsync"/>: the API accepted the message.</summary>
public sealed record MessageAccepted(GraphQL.SendMessageResult Result) : ChatUpdate(Result.AssistantMessageId);
