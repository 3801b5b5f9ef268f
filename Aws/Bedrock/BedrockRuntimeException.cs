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
/// transport and framing failures). Built only by <see cref="BedrockErrors"/>. <see cref="AwsServiceException.ErrorCode"/>
/// is e.g. <c>ThrottlingException</c> or <c>ModelStreamErrorException</c>; <see cref="AwsServiceException.StatusCode"/>
/// is the HTTP status (for stream exceptions: the status the modeled error carries, e.g. 429, 424; null when no
/// answer arrived).
/// </summary>
public sealed class BedrockRuntimeException : AwsServiceException
{
    internal BedrockRuntimeException(
        string errorCode,
        string message,
        int? statusCode,
        string? requestId,
        bool isRetryable,
        BedrockErrorPhase phase,
        Exception? innerException = null)
        : base(message, errorCode, statusCode, requestId, isRetryable, innerException)
    {
        Phase = phase;
    }

    public BedrockErrorPhase Phase { get; }

    /// <summary>For <c>ModelStreamErrorException</c> / <c>ModelErrorException</c>: the model's own status code.</summary>
    public int? OriginalStatusCode { get; init; }

    /// <summary>For <c>ModelStreamErrorException</c>: the model's own message.</summary>
    public string? OriginalMessage { get; init; }
}
