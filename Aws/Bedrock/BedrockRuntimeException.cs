namespace AppSyncChat.Aws.Bedrock;

/// <summary>Where in the call a Bedrock error happened.</summary>
public enum BedrockErrorPhase
{
    /// <summary>An HTTP error response (or a transport failure) before any event was read.</summary>
    BeforeStream,

    /// <summary>An exception or error frame, or broken framing, inside the event stream.</summary>
    InStream,
}

/// <summary>
/// Every failure of a Bedrock Runtime call (HTTP errors, modeled and unmodeled stream exceptions,
/// transport and framing failures). Built only by <see cref="BedrockErrors"/>.
/// </summary>
public sealed class BedrockRuntimeException : Exception
{
    internal BedrockRuntimeException(
        string errorCode,
        string message,
        int statusCode,
        string? requestId,
        bool isRetryable,
        BedrockErrorPhase phase,
        Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
        RequestId = requestId;
        IsRetryable = isRetryable;
        Phase = phase;
    }

    /// <summary>The sanitised AWS error code, e.g. <c>ThrottlingException</c>, <c>ModelStreamErrorException</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>The HTTP status (for stream exceptions: the status the modeled error carries, e.g. 429, 424).</summary>
    public int StatusCode { get; }

    /// <summary>The <c>x-amzn-RequestId</c> of the call, when known.</summary>
    public string? RequestId { get; }

    /// <summary>Whether the same request may succeed if sent again (throttling, unavailability, server faults).</summary>
    public bool IsRetryable { get; }

    public BedrockErrorPhase Phase { get; }

    /// <summary>For <c>ModelStreamErrorException</c> / <c>ModelErrorException</c>: the model's own status code.</summary>
    public int? OriginalStatusCode { get; init; }

    /// <summary>For <c>ModelStreamErrorException</c>: the model's own message.</summary>
    public string? OriginalMessage { get; init; }
}
