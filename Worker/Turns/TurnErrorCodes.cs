namespace AppSyncChat.Worker.Turns;

/// <summary>The <c>errorCode</c> values of <c>turn.failed</c> (and of the stored message error) that the Worker produces.</summary>
public static class TurnErrorCodes
{
    /// <summary>The model sent nothing within the first-byte timeout.</summary>
    public const string ModelTimeout = "ModelTimeout";

    /// <summary>The model stopped sending for longer than the between-bytes timeout.</summary>
    public const string ModelStalled = "ModelStalled";

    /// <summary>The turn reached the worker's deadline (the Lambda deadline minus a margin).</summary>
    public const string DeadlineExceeded = "DeadlineExceeded";

    /// <summary>The model kept throttling before any text, after the bounded retries.</summary>
    public const string ModelThrottled = "ModelThrottled";

    /// <summary>The model failed (mid-stream error, 5xx, invalid request, …); the message says which.</summary>
    public const string ModelError = "ModelError";

    /// <summary>The model asked for tools more rounds in a row than the worker allows.</summary>
    public const string ToolRoundsExceeded = "ToolRoundsExceeded";

    /// <summary>The conversation has no user message to answer (history empty or unreadable).</summary>
    public const string InvalidConversation = "InvalidConversation";

    /// <summary>
    /// The answer reached the largest text a stored message can hold (<c>APPSYNCCHAT_ANSWER_MAX_BYTES</c>, at most
    /// DynamoDB's item limit minus the message's other attributes). The text is kept up to there; not retryable.
    /// </summary>
    public const string AnswerTooLarge = "AnswerTooLarge";

    /// <summary>The worker failed for a reason of its own (a bug or the store); retrying may help.</summary>
    public const string InternalError = "InternalError";
}
