namespace AppSyncChat.Contracts.Queue;

/// <summary>
/// The SQS message that asks the Worker to produce one assistant turn. Ids only, never the history:
/// the Worker reads the conversation from the store.
/// </summary>
public sealed record ChatTurnRequest
{
    public int V { get; init; } = 1;

    /// <summary>Idempotency key of the request that created this turn (the client request id, scoped by the Api).</summary>
    public required string RequestId { get; init; }

    public required string ConversationId { get; init; }

    /// <summary>The user message being answered.</summary>
    public required string UserMessageId { get; init; }

    /// <summary>The assistant message (already stored as QUEUED) that receives the answer.</summary>
    public required string AssistantMessageId { get; init; }

    /// <summary>Attempt number of the turn, starting at 1.</summary>
    public required int Turn { get; init; }

    public ModelSettings? Settings { get; init; }

    /// <summary>W3C <c>traceparent</c> of the request that enqueued the turn.</summary>
    public string? TraceParent { get; init; }

    /// <summary>Milliseconds since the Unix epoch when the Api accepted the request.</summary>
    public long RequestedAtMs { get; init; }
}

/// <summary>Per-request model settings; null members fall back to the Worker's configured defaults.</summary>
public sealed record ModelSettings
{
    public string? ModelId { get; init; }

    public int? MaxTokens { get; init; }

    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public string? SystemPrompt { get; init; }
}
