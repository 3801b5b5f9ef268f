using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AppSyncChat.Aws.AppSyncEvents;

namespace AppSyncChat.Local.AppSyncEvents;

/// <summary>
/// Frame writers of the emulator (server side of docs/aws-protocols.md §1). Wire names and limits are the
/// protocol's, shared with our clients in <see cref="EventsWireNames"/>; the official Amplify client
/// checks them independently in the conformance tests.
/// </summary>
internal static class EmulatorWire
{
    public const string StatsPath = "/_emulator/stats";

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly byte[] KeepAliveFrame = Encoding.UTF8.GetBytes("{\"type\":\"ka\"}");

    public static byte[] Frame(Action<Utf8JsonWriter> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            fields(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] ErrorFrame(string type, string? id, string errorType, string message) => Frame(w =>
    {
        w.WriteString("type", type);
        if (id is not null)
        {
            w.WriteString("id", id);
        }

        WriteErrors(w, errorType, message);
    });

    public static void WriteErrors(Utf8JsonWriter w, string errorType, string message)
    {
        w.WriteStartArray("errors");
        w.WriteStartObject();
        w.WriteString("errorType", errorType);
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteEndArray();
    }

    /// <summary><c>{"type":"data","id":"&lt;id&gt;","event":</c>: the fixed part of every data frame of one subscription.</summary>
    public static byte[] DataPrefix(string subscriptionId)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", EventsWireNames.MessageTypes.Data);
            writer.WriteString("id", subscriptionId);
            writer.WritePropertyName("event");
            writer.WriteNullValue();
            writer.WriteEndObject();
        }

        // Cut the placeholder "null}" to leave the prefix up to and including "event":
        var written = buffer.WrittenSpan;
        return written[..^5].ToArray();
    }

    /// <summary>One event's JSON text as a JSON string literal (written once per event, shared by every subscription).</summary>
    public static byte[] QuotedEvent(string eventJson)
    {
        var buffer = new ArrayBufferWriter<byte>(eventJson.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStringValue(eventJson);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A data frame: prefix + quoted event + <c>}</c>, one allocation.</summary>
    public static byte[] DataFrame(byte[] prefix, byte[] quotedEvent)
    {
        var frame = new byte[prefix.Length + quotedEvent.Length + 1];
        prefix.CopyTo(frame, 0);
        quotedEvent.CopyTo(frame, prefix.Length);
        frame[^1] = (byte)'}';
        return frame;
    }

    /// <summary>
    /// The body an official client signs for a WebSocket subscribe (<c>{"channel":…}</c>) or publish
    /// (<c>{"channel":…,"events":[…]}</c>), as ECMAScript <c>JSON.stringify</c> writes it. That the service
    /// rebuilds exactly this string is inferred from the clients (UNCONFIRMED).
    /// </summary>
    public static string SignedBody(string channel, IReadOnlyList<string>? events)
    {
        var sb = new StringBuilder("{\"channel\":");
        JsString(sb, channel);
        if (events is not null)
        {
            sb.Append(",\"events\":[");
            for (var i = 0; i < events.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(',');
                }

                JsString(sb, events[i]);
            }

            sb.Append(']');
        }

        return sb.Append('}').ToString();
    }

    private static void JsString(StringBuilder sb, string value)
    {
        sb.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '"' || c == '\\')
            {
                sb.Append('\\').Append(c);
            }
            else if (c < 0x20)
            {
                sb.Append(c switch
                {
                    '\b' => "\\b",
                    '\f' => "\\f",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                });
            }
            else if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])))
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else if (char.IsHighSurrogate(c))
            {
                sb.Append(c).Append(value[++i]);
            }
            else
            {
                sb.Append(c);
            }
        }

        sb.Append('"');
    }
}
