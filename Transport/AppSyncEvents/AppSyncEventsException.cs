namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>Where an AppSync Events failure came from.</summary>
public enum EventsErrorSource
{
    /// <summary>Rejected by this client before anything was sent (bad channel, too many or too large events).</summary>
    Validation,

    /// <summary>A non-2xx answer of the HTTP publish endpoint (<c>{"errors":[…]}</c>).</summary>
    Http,

    /// <summary>The connection failed: socket, TLS, DNS, or an HTTP transport error.</summary>
    Transport,

    /// <summary>An operation got no answer in time (connection ack, subscribe, publish, keep-alive).</summary>
    Timeout,

    /// <summary><c>connection_error</c> frame.</summary>
    ConnectionError,

    /// <summary><c>subscribe_error</c> frame.</summary>
    SubscribeError,

    /// <summary><c>broadcast_error</c> frame (an event could not be delivered to a subscription).</summary>
    BroadcastError,

    /// <summary><c>publish_error</c> frame.</summary>
    PublishError,

    /// <summary><c>unsubscribe_error</c> frame.</summary>
    UnsubscribeError,

    /// <summary>Generic <c>error</c> frame.</summary>
    Error,

    /// <summary>The client was closed while the operation was pending.</summary>
    Closed,
}

/// <summary>One entry of an <c>errors</c> array.</summary>
public sealed record EventsError(string ErrorType, string? Message);

/// <summary>
/// Every AppSync Events failure raised by the clients in this folder; built only by <see cref="EventsErrors"/>.
/// <see cref="AwsServiceException.ErrorCode"/> is the AWS error type (first entry of <c>errors</c>) or a client code
/// such as <c>TooManyEvents</c>; <see cref="AwsServiceException.StatusCode"/> is set for HTTP answers only.
/// </summary>
public sealed class AppSyncEventsException : AwsServiceException
{
    internal AppSyncEventsException(
        string message,
        EventsErrorSource source,
        string errorType,
        int? statusCode,
        bool isRetryable,
        IReadOnlyList<EventsError> errors,
        string? requestId = null,
        string? operationId = null,
        TimeSpan? retryAfter = null,
        Exception? innerException = null)
        : base(message, errorType, statusCode, requestId, isRetryable, innerException)
    {
        ErrorSource = source;
        Errors = errors;
        OperationId = operationId;
        RetryAfter = retryAfter;
    }

    /// <summary>Where the failure came from (HTTP status, a WebSocket error frame, the transport, …).</summary>
    public EventsErrorSource ErrorSource { get; }

    /// <summary>Every entry of the <c>errors</c> array (at least one).</summary>
    public IReadOnlyList<EventsError> Errors { get; }

    /// <summary>The WebSocket operation (subscription or publish) id the frame referred to.</summary>
    public string? OperationId { get; }

    /// <summary>A server-suggested wait (HTTP <c>Retry-After</c>), when present.</summary>
    public TimeSpan? RetryAfter { get; }
}
