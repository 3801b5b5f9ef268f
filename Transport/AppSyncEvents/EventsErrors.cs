using System.Net;
using System.Text.Json;

namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>The one place where <see cref="AppSyncEventsException"/>s are built.</summary>
public static class EventsErrors
{
    /// <summary>Client-side validation codes (not AWS error types).</summary>
    public static class ClientCodes
    {
        public const string TooManyEvents = "TooManyEvents";
        public const string NoEvents = "NoEvents";
        public const string EventTooLarge = "EventTooLarge";
        public const string InvalidChannel = "InvalidChannel";
        public const string InvalidEvent = "InvalidEvent";
        public const string Transport = "TransportError";
        public const string Timeout = "Timeout";
        public const string KeepAliveTimeout = "KeepAliveTimeout";
        public const string Closed = "ClientClosed";
        public const string ProtocolViolation = "ProtocolViolation";
    }

    // Amplify JS treats these as non-retryable; so do we.
    private static readonly HashSet<string> NonRetryableTypes = new(StringComparer.Ordinal)
    {
        EventsWireNames.ErrorTypes.BadRequest,
        EventsWireNames.ErrorTypes.Unauthorized,
        "Unauthorized",
        "NotAuthorizedException",
        EventsWireNames.ErrorTypes.InvalidInput,
        EventsWireNames.ErrorTypes.UnsupportedOperation,
        EventsWireNames.ErrorTypes.UnknownOperation,
        EventsWireNames.ErrorTypes.ResourceNotFound,
        EventsWireNames.ErrorTypes.MaxSubscriptionsReached,
    };

    internal static AppSyncEventsException Validation(string code, string message) =>
        new(message, EventsErrorSource.Validation, code, null, false, [new EventsError(code, message)]);

    internal static AppSyncEventsException Transport(string message, Exception? inner) =>
        new(message, EventsErrorSource.Transport, ClientCodes.Transport, null, true, [new EventsError(ClientCodes.Transport, message)], innerException: inner);

    internal static AppSyncEventsException Timeout(string code, string message, string? operationId = null) =>
        new(message, EventsErrorSource.Timeout, code, null, true, [new EventsError(code, message)], operationId: operationId);

    internal static AppSyncEventsException Closed(string message, Exception? inner = null) =>
        new(message, EventsErrorSource.Closed, ClientCodes.Closed, null, false, [new EventsError(ClientCodes.Closed, message)], innerException: inner);

    internal static AppSyncEventsException Protocol(string message) =>
        new(message, EventsErrorSource.Error, ClientCodes.ProtocolViolation, null, true, [new EventsError(ClientCodes.ProtocolViolation, message)]);

    /// <summary>Maps a non-2xx HTTP publish answer (status + body with the <c>errors</c> envelope).</summary>
    internal static AppSyncEventsException FromHttp(HttpStatusCode status, string? body, string? requestId, TimeSpan? retryAfter)
    {
        var code = (int)status;
        var errors = ParseErrors(body);
        if (errors.Count == 0)
        {
            var fallback = code switch
            {
                401 or 403 => EventsWireNames.ErrorTypes.Unauthorized,
                429 => "TooManyRequestsException",
                >= 500 => "InternalFailure",
                _ => EventsWireNames.ErrorTypes.BadRequest,
            };
            errors = [new EventsError(fallback, string.IsNullOrWhiteSpace(body) ? status.ToString() : Truncate(body))];
        }

        var retryable = code == 429 || code >= 500;
        var first = errors[0];
        return new AppSyncEventsException(
            $"AppSync Events publish failed with HTTP {code} {first.ErrorType}: {first.Message}",
            EventsErrorSource.Http, first.ErrorType, code, retryable, errors, requestId, retryAfter: retryAfter);
    }

    /// <summary>Maps an error frame (<c>connection_error</c>, <c>subscribe_error</c>, …) of the WebSocket protocol.</summary>
    internal static AppSyncEventsException FromFrame(EventsErrorSource source, JsonElement frame, string? operationId)
    {
        var errors = frame.TryGetProperty(EventsWireNames.Fields.Errors, out var array) ? ParseErrors(array) : [];
        if (errors.Count == 0 && frame.TryGetProperty(EventsWireNames.Fields.Payload, out var payload)
            && payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(EventsWireNames.Fields.Errors, out var nested))
        {
            errors = ParseErrors(nested);
        }

        if (errors.Count == 0)
        {
            errors = [new EventsError(EventsWireNames.ErrorTypes.MessageProcessing, null)];
        }

        var first = errors[0];
        var retryable = source switch
        {
            EventsErrorSource.BroadcastError => true,
            _ => !NonRetryableTypes.Contains(first.ErrorType),
        };
        var what = operationId is null ? source.ToString() : $"{source} for operation {operationId}";
        return new AppSyncEventsException($"AppSync Events {what}: {first.ErrorType}: {first.Message}", source, first.ErrorType, null, retryable, errors, operationId: operationId);
    }

    internal static IReadOnlyList<EventsError> ParseErrors(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return [];
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty(EventsWireNames.Fields.Errors, out var array)
                ? ParseErrors(array)
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static List<EventsError> ParseErrors(JsonElement array)
    {
        var list = new List<EventsError>();
        if (array.ValueKind != JsonValueKind.Array)
        {
            return list;
        }

        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var type = item.TryGetProperty(EventsWireNames.Fields.ErrorType, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var message = item.TryGetProperty(EventsWireNames.Fields.Message, out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            list.Add(new EventsError(string.IsNullOrEmpty(type) ? "UnknownError" : Signing.AwsErrorCodes.Sanitize(type), message));
        }

        return list;
    }

    private static string Truncate(string text) => text.Length <= 256 ? text : text[..256] + "…";
}
