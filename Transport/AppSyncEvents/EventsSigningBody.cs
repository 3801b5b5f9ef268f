using System.Globalization;
using System.Text;

namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>
/// The byte strings signed for IAM on the WebSocket (docs/aws-protocols.md §1.4): <c>{}</c> for connect,
/// <c>{"channel":…}</c> for subscribe and <c>{"channel":…,"events":[…]}</c> for publish, written exactly as
/// the official JavaScript client's <c>JSON.stringify</c> writes them (compact, that key order, no
/// <c>\/</c> escaping, non-ASCII left as is). The service rebuilds this string to check the signature;
/// that it is byte-for-byte this string is inferred from the clients (UNCONFIRMED for the service).
/// </summary>
public static class EventsSigningBody
{
    public const string Connect = "{}";

    public static string Subscribe(string channel)
    {
        var sb = new StringBuilder(channel.Length + 16);
        sb.Append("{\"channel\":");
        AppendJsString(sb, channel);
        return sb.Append('}').ToString();
    }

    public static string Publish(string channel, IReadOnlyList<string> events)
    {
        var sb = new StringBuilder(channel.Length + 32);
        sb.Append("{\"channel\":");
        AppendJsString(sb, channel);
        sb.Append(",\"events\":[");
        for (var i = 0; i < events.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            AppendJsString(sb, events[i]);
        }

        return sb.Append("]}").ToString();
    }

    /// <summary>A JSON string literal as ECMAScript's <c>JSON.stringify</c> writes it (well-formed variant).</summary>
    public static void AppendJsString(StringBuilder sb, string value)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(value);
        sb.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        AppendUnicodeEscape(sb, c);
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        sb.Append(c).Append(value[i + 1]);
                        i++;
                    }
                    else if (char.IsSurrogate(c))
                    {
                        // Lone surrogate: JSON.stringify escapes it (ES2019 well-formed stringify).
                        AppendUnicodeEscape(sb, c);
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    private static void AppendUnicodeEscape(StringBuilder sb, char c) =>
        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
}
