using System.Text.Json.Serialization;

namespace AppSyncChat.Contracts.Streaming;

/// <summary>
/// One event on a conversation channel (one JSON object per AppSync event).
/// <para>
/// Ordering: events of one assistant message are ordered by (<see cref="Turn"/>, <see cref="Seq"/>).
/// <see cref="Seq"/> starts at 0 with <c>turn.started</c> for every turn (attempt) and has no gaps.
/// A higher <see cref="Turn"/> supersedes every event of a lower one (a retried or taken-over turn).
/// </para>
/// <para>
/// Text positions (<c>offset</c>, <c>length</c>) count UTF-16 code units, the string length of
/// JavaScript, .NET, Java and Kotlin. Text is never split inside a surrogate pair.
/// </para>
/// Clients must ignore unknown event types (they deserialize as a plain <see cref="StreamEvent"/>)
/// and unknown fields.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", IgnoreUnrecognizedTypeDiscriminators = true)]
[JsonDerivedType(typeof(TurnStarted), StreamEventTypes.TurnStarted)]
[JsonDerivedType(typeof(TextDelta), StreamEventTypes.TextDelta)]
[JsonDerivedType(typeof(ToolStarted), StreamEventTypes.ToolStarted)]
[JsonDerivedType(typeof(ToolFinished), StreamEventTypes.ToolFinished)]
[JsonDerivedType(typeof(TurnCompleted), StreamEventTypes.TurnCompleted)]
[JsonDerivedType(typeof(TurnFailed), StreamEventTypes.TurnFailed)]
[JsonDerivedType(typeof(TurnCancelled), StreamEventTypes.TurnCancelled)]
public record StreamEvent
{
    /// <summary>Contract version of the event envelope.</summary>
    [JsonPropertyName("v")]
    [JsonPropertyOrder(-10)]
    public int Version { get; init; } = StreamEventTypes.CurrentVersion;

    [JsonPropertyOrder(-9)]
    public required string ConversationId { get; init; }

    /// <summary>The assistant message this event belongs to.</summary>
    [JsonPropertyOrder(-8)]
    public required string MessageId { get; init; }

    /// <summary>Attempt number of the turn, starting at 1.</summary>
    [JsonPropertyOrder(-7)]
    public required int Turn { get; init; }

    /// <summary>Position of this event within its turn: 0, 1, 2, … with no gaps.</summary>
    [JsonPropertyOrder(-6)]
    public required long Seq { get; init; }
}

/// <summary>
/// A turn (attempt) began. Text continues from <see cref="Offset"/>: 0 for a fresh answer; the stored
/// partial length when a worker resumes a turn. A client whose text is longer than
/// <see cref="Offset"/> truncates it to <see cref="Offset"/> before applying later text events.
/// </summary>
public sealed record TurnStarted : StreamEvent
{
    public required long Offset { get; init; }

    public string? ModelId { get; init; }

    /// <summary>Milliseconds since the Unix epoch when the request was accepted by the Api (for latency figures).</summary>
    public long? RequestedAtMs { get; init; }
}

/// <summary>A piece of the answer, placed at <see cref="Offset"/> (UTF-16 code units before it).</summary>
public sealed record TextDelta : StreamEvent
{
    public required long Offset { get; init; }

    public required string Text { get; init; }
}

/// <summary>The model asked for a tool; the text pauses until <see cref="ToolFinished"/>.</summary>
public sealed record ToolStarted : StreamEvent
{
    public required string ToolUseId { get; init; }

    public required string Name { get; init; }

    /// <summary>A short, human-readable line such as "Looking up the weather in Paris".</summary>
    public string? Summary { get; init; }
}

public sealed record ToolFinished : StreamEvent
{
    public required string ToolUseId { get; init; }

    public required string Name { get; init; }

    /// <summary><c>success</c> or <c>error</c>.</summary>
    public required string Status { get; init; }

    public long? DurationMs { get; init; }

    public string? Summary { get; init; }
}

/// <summary>Terminal: the whole answer was delivered. <see cref="Length"/> and <see cref="Checksum"/> describe the stored text.</summary>
public sealed record TurnCompleted : StreamEvent
{
    public required string StopReason { get; init; }

    public TokenUsage? Usage { get; init; }

    public required long Length { get; init; }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 bytes of the whole text.</summary>
    public required string Checksum { get; init; }
}

/// <summary>
/// Terminal: the turn failed. The partial text (<see cref="Length"/>, <see cref="Checksum"/>) is kept and
/// stored; <see cref="Status"/> is <c>FAILED</c> (no text was produced) or <c>INTERRUPTED</c>.
/// </summary>
public sealed record TurnFailed : StreamEvent
{
    public required string Status { get; init; }

    public required string ErrorCode { get; init; }

    public required string Message { get; init; }

    /// <summary>True when sending the same message again (regenerate) may succeed.</summary>
    public required bool Retryable { get; init; }

    public required long Length { get; init; }

    public required string Checksum { get; init; }
}

/// <summary>Terminal: stopped by <c>stopGeneration</c>; the partial text is kept.</summary>
public sealed record TurnCancelled : StreamEvent
{
    public required long Length { get; init; }

    public required string Checksum { get; init; }
}

public sealed record TokenUsage(int InputTokens, int OutputTokens, int TotalTokens);
