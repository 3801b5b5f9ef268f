namespace AppSyncChat.Aws;

/// <summary>How a caller should react to a failed AWS call.</summary>
public enum AwsErrorKind
{
    /// <summary>The service is throttling (HTTP 429 or a throttling code): retry with backoff.</summary>
    Throttled,

    /// <summary>A transient fault (5xx, a lost connection, a timeout): the same request may succeed later.</summary>
    Transient,

    /// <summary>Sending the same request again will not help (validation, access denied, not found).</summary>
    Permanent,
}

/// <summary>
/// The base of every AWS service error our own clients raise (<c>BedrockRuntimeException</c>,
/// <c>AppSyncEventsException</c>): the AWS error code, the HTTP status, the request id and whether a retry may
/// succeed, read the same way whichever service failed. <see cref="Kind"/> is the one classification callers act on.
/// </summary>
public abstract class AwsServiceException : Exception
{
    protected AwsServiceException(string message, string errorCode, int? statusCode, string? requestId, bool isRetryable, Exception? innerException)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        ErrorCode = errorCode;
        StatusCode = statusCode;
        RequestId = requestId;
        IsRetryable = isRetryable;
    }

    /// <summary>The sanitised AWS error code (<c>ThrottlingException</c>, <c>UnauthorizedException</c>, …) or a client-side code (<c>NetworkError</c>, <c>Timeout</c>, …).</summary>
    public string ErrorCode { get; }

    /// <summary>The HTTP status of the answer; null when there was none (a transport failure, a WebSocket frame, a check before sending).</summary>
    public int? StatusCode { get; }

    /// <summary>The <c>x-amzn-RequestId</c> of the call, when known.</summary>
    public string? RequestId { get; }

    /// <summary>Whether the same request may succeed if sent again (throttling, unavailability, server faults, transport).</summary>
    public bool IsRetryable { get; }

    /// <summary>Throttled when the status is 429 or the code is a throttling code; otherwise transient when retryable, else permanent.</summary>
    public AwsErrorKind Kind => AwsErrors.KindOf(ErrorCode, StatusCode, IsRetryable);
}

/// <summary>The one classification of AWS failures, for our clients' errors and the official AWS SDK's alike.</summary>
public static class AwsErrors
{
    /// <summary>
    /// Codes AWS services use for throttling. <c>ModelNotReadyException</c> is Bedrock's "the model is still
    /// loading, call again shortly", which it answers with HTTP 429 like throttling.
    /// </summary>
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "KMS.ThrottlingException",
        "ModelNotReadyException",
    };

    public static bool IsThrottlingCode(string? errorCode) => errorCode is not null && ThrottlingCodes.Contains(errorCode);

    /// <summary>
    /// The kind of an AWS failure: ours (<see cref="AwsServiceException"/>) or the official SDK's
    /// (<see cref="Amazon.Runtime.AmazonServiceException"/>, e.g. from AWSSDK.SQS: a sender fault is permanent unless
    /// it is throttling or the SDK marked it retryable). Null when <paramref name="exception"/> is not an AWS service
    /// error (a caller decides about plain transport failures itself).
    /// </summary>
    public static AwsErrorKind? Classify(Exception exception) => exception switch
    {
        AwsServiceException ours => ours.Kind,
        Amazon.Runtime.AmazonServiceException sdk => KindOf(
            sdk.ErrorCode,
            sdk.StatusCode == 0 ? null : (int)sdk.StatusCode,
            sdk.Retryable is not null || sdk.ErrorType != Amazon.Runtime.ErrorType.Sender,
            sdk.Retryable?.Throttling == true),
        _ => null,
    };

    internal static AwsErrorKind KindOf(string? errorCode, int? statusCode, bool isRetryable, bool throttling = false) =>
        throttling || statusCode == 429 || IsThrottlingCode(errorCode) ? AwsErrorKind.Throttled
        : isRetryable ? AwsErrorKind.Transient
        : AwsErrorKind.Permanent;
}
