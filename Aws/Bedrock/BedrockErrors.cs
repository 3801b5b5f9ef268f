using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.EventStream;
using AppSyncChat.Aws.Signing;

namespace AppSyncChat.Aws.Bedrock;

/// <summary>The one place <see cref="BedrockRuntimeException"/>s are created.</summary>
public static class BedrockErrors
{
    /// <summary>Codes worth retrying with backoff.</summary>
    public static bool IsRetryableCode(string errorCode) => errorCode is
        BedrockWireNames.ThrottlingException or
        BedrockWireNames.ServiceUnavailableException or
        BedrockWireNames.ModelNotReadyException or
        BedrockWireNames.InternalServerException;

    /// <summary>The HTTP status a modeled error carries (docs/aws-protocols.md §2.4–2.5).</summary>
    public static int StatusFor(string errorCode) => errorCode switch
    {
        BedrockWireNames.ValidationException => 400,
        BedrockWireNames.AccessDeniedException => 403,
        BedrockWireNames.ResourceNotFoundException => 404,
        BedrockWireNames.ModelTimeoutException => 408,
        BedrockWireNames.ThrottlingException or BedrockWireNames.ModelNotReadyException => 429,
        BedrockWireNames.ModelErrorException or BedrockWireNames.ModelStreamErrorException => 424,
        BedrockWireNames.InternalServerException => 500,
        BedrockWireNames.ServiceUnavailableException => 503,
        _ => 500,
    };

    /// <summary>An HTTP error response before the stream: code from <c>X-Amzn-ErrorType</c>, else <c>__type</c>/<c>code</c> in the body.</summary>
    public static BedrockRuntimeException FromHttpError(int statusCode, HttpResponseHeaders headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var requestId = RequestIdOf(headers);
        BedrockErrorBody? parsed = null;
        try
        {
            parsed = body.IsEmpty ? null : JsonSerializer.Deserialize(body, BedrockJsonContext.Default.BedrockErrorBody);
        }
        catch (JsonException)
        {
            // A non-JSON error body (a proxy's HTML page, say): keep the status, use the text as the message.
        }

        var rawCode = headers.TryGetValues(BedrockWireNames.ErrorTypeHeader, out var values) ? values.FirstOrDefault() : null;
        rawCode = string.IsNullOrWhiteSpace(rawCode) ? parsed?.Type ?? parsed?.Code : rawCode;
        var code = string.IsNullOrWhiteSpace(rawCode) ? CodeForStatus(statusCode) : AwsErrorCodes.Sanitize(rawCode);
        var message = parsed?.Message ?? parsed?.MessageUpper ?? (body.IsEmpty ? $"HTTP {statusCode}" : Encoding.UTF8.GetString(body[..Math.Min(body.Length, 512)]));
        return new BedrockRuntimeException(code, message, statusCode, requestId, IsRetryableCode(code) || statusCode is 502 or 503 or 504, BedrockErrorPhase.BeforeStream)
        {
            OriginalStatusCode = parsed?.OriginalStatusCode,
            OriginalMessage = parsed?.OriginalMessage,
        };
    }

    /// <summary>A modeled exception frame (<c>:message-type exception</c>), e.g. <c>throttlingException</c>.</summary>
    public static BedrockRuntimeException FromStreamException(string exceptionType, ReadOnlySpan<byte> payload, string? requestId)
    {
        ArgumentException.ThrowIfNullOrEmpty(exceptionType);
        BedrockErrorBody? parsed = null;
        try
        {
            parsed = payload.IsEmpty ? null : JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.BedrockErrorBody);
        }
        catch (JsonException)
        {
            // Keep the exception type; the message falls back below.
        }

        // Union member names are the shape names in camelCase: throttlingException → ThrottlingException.
        var code = char.ToUpperInvariant(exceptionType[0]) + exceptionType[1..];
        return new BedrockRuntimeException(code, parsed?.Message ?? parsed?.MessageUpper ?? exceptionType, StatusFor(code), requestId, IsRetryableCode(code), BedrockErrorPhase.InStream)
        {
            OriginalStatusCode = parsed?.OriginalStatusCode,
            OriginalMessage = parsed?.OriginalMessage,
        };
    }

    /// <summary>An unmodeled error frame (<c>:message-type error</c> with <c>:error-code</c> / <c>:error-message</c>).</summary>
    public static BedrockRuntimeException FromStreamError(string? errorCode, string? errorMessage, string? requestId)
    {
        var code = string.IsNullOrWhiteSpace(errorCode) ? "UnknownError" : AwsErrorCodes.Sanitize(errorCode);
        return new BedrockRuntimeException(code, errorMessage ?? code, StatusFor(code), requestId, IsRetryableCode(code), BedrockErrorPhase.InStream);
    }

    /// <summary>Bytes that are not a valid event stream, or a malformed event payload.</summary>
    public static BedrockRuntimeException FromFraming(Exception exception, string? requestId)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var code = exception is EventStreamFramingException framing ? "EventStream" + framing.Error : "MalformedEvent";
        return new BedrockRuntimeException(code, exception.Message, 200, requestId, isRetryable: false, BedrockErrorPhase.InStream, exception);
    }

    /// <summary>The request never got an HTTP response (connection refused or reset).</summary>
    public static BedrockRuntimeException FromTransport(HttpRequestException exception, BedrockErrorPhase phase, string? requestId)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new BedrockRuntimeException("NetworkError", exception.Message, null, requestId, isRetryable: phase == BedrockErrorPhase.BeforeStream, phase, exception);
    }

    internal static string? RequestIdOf(HttpResponseHeaders headers) =>
        headers.TryGetValues(BedrockWireNames.RequestIdHeader, out var ids) ? ids.FirstOrDefault() : null;

    private static string CodeForStatus(int statusCode) => statusCode switch
    {
        400 => BedrockWireNames.ValidationException,
        403 => BedrockWireNames.AccessDeniedException,
        404 => BedrockWireNames.ResourceNotFoundException,
        429 => BedrockWireNames.ThrottlingException,
        503 => BedrockWireNames.ServiceUnavailableException,
        >= 500 => BedrockWireNames.InternalServerException,
        _ => "UnknownError",
    };
}
