namespace AppSyncChat.Contracts.Streaming;

/// <summary>The <c>type</c> values of <see cref="StreamEvent"/>, and the limits every publisher honours.</summary>
public static class StreamEventTypes
{
    public const int CurrentVersion = 1;

    public const string TurnStarted = "turn.started";
    public const string TextDelta = "text.delta";
    public const string ToolStarted = "tool.started";
    public const string ToolFinished = "tool.finished";
    public const string TurnCompleted = "turn.completed";
    public const string TurnFailed = "turn.failed";
    public const string TurnCancelled = "turn.cancelled";

    /// <summary>AppSync Events: at most 5 events in one publish request.</summary>
    public const int MaxEventsPerPublish = 5;

    /// <summary>AppSync Events: at most 240 KB per event (serialized JSON, UTF-8).</summary>
    public const int MaxEventBytes = 240 * 1024;
}
