namespace AppSyncChat.Aws.EventStream;

/// <summary>Wire names of the AWS event-stream semantic headers (docs/aws-protocols.md §3.4).</summary>
public static class EventStreamHeaders
{
    public const string MessageType = ":message-type";
    public const string EventType = ":event-type";
    public const string ExceptionType = ":exception-type";
    public const string ErrorCode = ":error-code";
    public const string ErrorMessage = ":error-message";
    public const string ContentType = ":content-type";

    public const string MessageTypeEvent = "event";
    public const string MessageTypeException = "exception";
    public const string MessageTypeError = "error";

    public const string JsonContentType = "application/json";

    /// <summary>The response content type of an event stream.</summary>
    public const string StreamContentType = "application/vnd.amazon.eventstream";
}
