using System.Net;

namespace AppSyncChat.Aws.Sqs;

/// <summary>
/// Every failure of an SQS call: a service error (code, fault, HTTP status, request id), a client-side
/// integrity failure (<see cref="SqsWireNames.ErrorCodes.ChecksumMismatch"/>) or a transport failure.
/// Built only by <see cref="SqsErrors"/>.
/// </summary>
public sealed class SqsException : Exception
{
    internal SqsException(string code, string? errorType, string message, bool senderFault, HttpStatusCode? statusCode, string? requestId, bool isRetryable, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        ErrorType = errorType;
        SenderFault = senderFault;
        StatusCode = statusCode;
        RequestId = requestId;
        IsRetryable = isRetryable;
    }

    /// <summary>
    /// The error code: the legacy Query code from <c>x-amzn-query-error</c> when present (what the AWS SDKs
    /// report, e.g. <c>AWS.SimpleQueueService.NonExistentQueue</c>), else the sanitised <c>__type</c>
    /// (e.g. <c>QueueDoesNotExist</c>), else a client-side code from <see cref="SqsWireNames.ErrorCodes"/>.
    /// </summary>
    public string Code { get; }

    /// <summary>The sanitised JSON shape name from <c>__type</c> (e.g. <c>QueueDoesNotExist</c>), when the service sent one.</summary>
    public string? ErrorType { get; }

    /// <summary>True when the caller's request was at fault (<c>Sender</c>), false for a service-side fault (<c>Receiver</c>).</summary>
    public bool SenderFault { get; }

    /// <summary>The HTTP status, or null when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    public string? RequestId { get; }

    /// <summary>True for throttling, service-side (5xx) and transport failures: the same call may succeed later.</summary>
    public bool IsRetryable { get; }

    /// <summary>True when the queue does not exist (either code spelling).</summary>
    public bool IsQueueDoesNotExist =>
        Code is SqsWireNames.ErrorCodes.NonExistentQueue or SqsWireNames.ErrorCodes.QueueDoesNotExist
        || ErrorType == SqsWireNames.ErrorCodes.QueueDoesNotExist;
}
