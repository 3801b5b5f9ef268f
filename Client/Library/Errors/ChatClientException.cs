using System.Net;

namespace AppSyncChat.Client.Errors;

/// <summary>What kind of failure a <see cref="ChatClientException"/> reports, so callers can act on it.</summary>
public enum ChatErrorKind
{
    /// <summary>The service could not be reached (connection refused, DNS, TLS, timeout).</summary>
    Connection,

    /// <summary>Credentials were missing, wrong or not allowed (HTTP 401/403, <c>Unauthorized</c>).</summary>
    Unauthorized,

    /// <summary>The request was understood and refused: <c>ValidationError</c>, <c>NotFound</c>, <c>Conflict</c>, …</summary>
    Rejected,

    /// <summary>Throttling or a server-side failure: the same request may succeed later.</summary>
    Unavailable,

    /// <summary>The response did not follow the protocol (unparseable, missing data).</summary>
    Protocol,
}

/// <summary>
/// The one exception family of the client library (sealed subclasses, built by <see cref="ChatClientErrors"/>).
/// Structured fields: <see cref="Kind"/>, <see cref="Code"/> (AppSync's <c>errorType</c> or our own code),
/// <see cref="StatusCode"/>, <see cref="RequestId"/>, <see cref="Retryable"/>.
/// </summary>
public abstract class ChatClientException : Exception
{
    private protected ChatClientException(string message, ChatErrorKind kind, string code, HttpStatusCode? statusCode, string? requestId, bool retryable, Exception? inner)
        : base(message, inner)
    {
        Kind = kind;
        Code = code;
        StatusCode = statusCode;
        RequestId = requestId;
        Retryable = retryable;
    }

    public ChatErrorKind Kind { get; }

    public string Code { get; }

    public HttpStatusCode? StatusCode { get; }

    public string? RequestId { get; }

    public bool Retryable { get; }
}

/// <summary>One entry of a GraphQL response's <c>errors</c> array.</summary>
/// <param name="ErrorType">AppSync's <c>errorType</c> (e.g. <c>ValidationError</c>), or <c>extensions.code</c>; null when absent.</param>
/// <param name="Path">The response path of the failed field, e.g. <c>["sendMessage"]</c>.</param>
public sealed record GraphQLError(string? ErrorType, string Message, IReadOnlyList<string> Path);

/// <summary>The GraphQL endpoint answered with <c>errors</c> (HTTP 200, or a non-2xx with a GraphQL error body).</summary>
public sealed class GraphQLRequestException : ChatClientException
{
    internal GraphQLRequestException(string message, ChatErrorKind kind, IReadOnlyList<GraphQLError> errors, HttpStatusCode? statusCode, string? requestId, bool retryable)
        : base(message, kind, errors[0].ErrorType ?? "GraphQLError", statusCode, requestId, retryable, null)
    {
        Errors = errors;
    }

    /// <summary>Every error of the response; the first one names <see cref="ChatClientException.Code"/>.</summary>
    public IReadOnlyList<GraphQLError> Errors { get; }

    /// <summary>AppSync's <c>errorType</c> of the first error (null when the server sent none).</summary>
    public string? ErrorType => Errors[0].ErrorType;

    public IReadOnlyList<string> Path => Errors[0].Path;
}

/// <summary>A non-2xx HTTP answer without a GraphQL error body.</summary>
public sealed class ChatHttpException : ChatClientException
{
    internal ChatHttpException(string message, ChatErrorKind kind, HttpStatusCode statusCode, string? requestId, bool retryable)
        : base(message, kind, "Http" + (int)statusCode, statusCode, requestId, retryable, null)
    {
    }
}

/// <summary>The endpoint could not be reached at all.</summary>
public sealed class ChatConnectionException : ChatClientException
{
    internal ChatConnectionException(string message, Uri? endpoint, Exception? inner)
        : base(message, ChatErrorKind.Connection, "ConnectionFailed", null, null, true, inner)
    {
        Endpoint = endpoint;
    }

    /// <summary>The endpoint that could not be reached, when known.</summary>
    public Uri? Endpoint { get; }
}

/// <summary>The response broke the protocol (not JSON, no <c>data</c>, wrong shape), or catch-up could not converge.</summary>
public sealed class ChatProtocolException : ChatClientException
{
    internal ChatProtocolException(string message, string code, HttpStatusCode? statusCode, string? requestId, Exception? inner)
        : base(message, ChatErrorKind.Protocol, code, statusCode, requestId, false, inner)
    {
    }
}
