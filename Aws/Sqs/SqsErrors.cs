using System.Net;
using System.Text.Json;
using AppSyncChat.Aws.Signing;

namespace AppSyncChat.Aws.Sqs;

/// <summary>The one place <see cref="SqsException"/>s are made.</summary>
internal static class SqsErrors
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        SqsWireNames.ErrorCodes.RequestThrottled,
        SqsWireNames.ErrorCodes.ThrottlingException,
        SqsWireNames.ErrorCodes.Throttling,
        "TooManyRequestsException",
        "KMS.ThrottlingException",
        "KmsThrottled",
    };

    /// <summary>Maps a non-success awsJson1.0 response (header <c>x-amzn-query-error</c>, body <c>__type</c>/<c>message</c>).</summary>
    public static SqsException FromResponse(HttpStatusCode status, string? queryErrorHeader, string? errorTypeHeader, string? requestId, ReadOnlySpan<byte> body)
    {
        WireError? error = null;
        if (!body.IsEmpty)
        {
            try
            {
                error = JsonSerializer.Deserialize(body, SqsJsonContext.Default.WireError);
            }
            catch (JsonException)
            {
                // Not JSON (a proxy page, for instance): fall back to the status and headers below.
            }
        }

        string? errorType = null;
        var rawType = error?.Type ?? errorTypeHeader;
        if (!string.IsNullOrWhiteSpace(rawType))
        {
            errorType = AwsErrorCodes.Sanitize(rawType);
        }

        string? queryCode = null;
        bool? senderFault = null;
        if (!string.IsNullOrWhiteSpace(queryErrorHeader))
        {
            var parts = queryErrorHeader.Split(';', 2, StringSplitOptions.TrimEntries);
            queryCode = parts[0].Length > 0 ? parts[0] : null;
            if (parts.Length == 2)
            {
                senderFault = parts[1].Equals(SqsWireNames.SenderFault, StringComparison.OrdinalIgnoreCase) ? true
                    : parts[1].Equals(SqsWireNames.ReceiverFault, StringComparison.OrdinalIgnoreCase) ? false
                    : null;
            }
        }

        var code = queryCode ?? errorType ?? SqsWireNames.ErrorCodes.Unknown;
        var isServerError = (int)status >= 500;
        var sender = senderFault ?? !isServerError;
        var retryable = isServerError || ThrottlingCodes.Contains(code) || (errorType is not null && ThrottlingCodes.Contains(errorType));
        var message = error?.Message ?? error?.MessageUpper ?? $"SQS returned HTTP {(int)status} ({code}).";
        return new SqsException(code, errorType, message, sender, status, requestId, retryable);
    }

    public static SqsException ChecksumMismatch(string what, string? expected, string actual, string? requestId) =>
        new(SqsWireNames.ErrorCodes.ChecksumMismatch, null,
            $"MD5 mismatch on {what}: SQS said {expected ?? "(nothing)"}, computed {actual}. The data was corrupted in transit.",
            senderFault: false, HttpStatusCode.OK, requestId, isRetryable: true);

    public static SqsException Malformed(string operation, string? requestId, Exception? inner) =>
        new(SqsWireNames.ErrorCodes.MalformedResponse, null, $"SQS {operation} returned a response that could not be parsed.",
            senderFault: false, HttpStatusCode.OK, requestId, isRetryable: false, inner);

    public static SqsException Transport(string operation, Exception inner) =>
        new(SqsWireNames.ErrorCodes.TransportError, null, $"SQS {operation} failed before a response arrived: {inner.Message}",
            senderFault: false, statusCode: null, requestId: null, isRetryable: true, inner);
}
