using System.Text;
using Amazon.Runtime.EventStreams;

namespace AppSyncChat.Aws.EventStream;

/// <summary>Builds and inspects event-stream messages (the encoder side is used by the local emulator).</summary>
public static class EventStreamMessages
{
    /// <summary>An event frame: <c>:message-type event</c>, <c>:event-type</c>, <c>:content-type application/json</c>.</summary>
    public static byte[] EncodeEvent(string eventType, ReadOnlySpan<byte> jsonPayload) =>
        Encode(jsonPayload, (EventStreamHeaders.MessageType, EventStreamHeaders.MessageTypeEvent), (EventStreamHeaders.EventType, eventType), (EventStreamHeaders.ContentType, EventStreamHeaders.JsonContentType));

    /// <summary>A modeled exception frame: <c>:message-type exception</c>, <c>:exception-type</c>, JSON payload.</summary>
    public static byte[] EncodeException(string exceptionType, ReadOnlySpan<byte> jsonPayload) =>
        Encode(jsonPayload, (EventStreamHeaders.MessageType, EventStreamHeaders.MessageTypeException), (EventStreamHeaders.ExceptionType, exceptionType), (EventStreamHeaders.ContentType, EventStreamHeaders.JsonContentType));

    /// <summary>An unmodeled error frame: <c>:message-type error</c> with <c>:error-code</c> and <c>:error-message</c>, no payload.</summary>
    public static byte[] EncodeError(string errorCode, string errorMessage) =>
        Encode([], (EventStreamHeaders.MessageType, EventStreamHeaders.MessageTypeError), (EventStreamHeaders.ErrorCode, errorCode), (EventStreamHeaders.ErrorMessage, errorMessage));

    /// <summary>A message with string headers, in the given order.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> payload, params ReadOnlySpan<(string Name, string Value)> headers)
    {
        var list = new List<IEventStreamHeader>(headers.Length);
        foreach (var (name, value) in headers)
        {
            var header = new EventStreamHeader(name);
            header.SetString(value);
            list.Add(header);
        }

        return new EventStreamMessage(list, payload.ToArray()).ToByteArray();
    }

    /// <summary>A string header's value, or null when absent or not a string.</summary>
    public static string? GetString(this EventStreamMessage message, string name)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Headers.TryGetValue(name, out var header) && header.HeaderType == EventStreamHeaderType.String
            ? header.AsString()
            : null;
    }

    /// <summary>The payload as UTF-8 text (for diagnostics).</summary>
    public static string PayloadText(this EventStreamMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Payload is { Length: > 0 } payload ? Encoding.UTF8.GetString(payload) : string.Empty;
    }
}
