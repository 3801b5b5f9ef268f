using System.Text;

namespace AppSyncChat.Local.Signing;

/// <summary>
/// SigV4 step 1: the canonical request, rebuilt on the server side from the wire form of the request
/// (docs/aws-protocols.md §8.1). Non-S3 rules: the raw path is URI-encoded a second time (<c>%3A</c> →
/// <c>%253A</c>), after dot-segment removal.
/// </summary>
internal static class SigV4CanonicalRequest
{
    public static string Build(string method, string rawTarget, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string> signedHeaders, string payloadHash)
    {
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? rawTarget[..query] : rawTarget;
        var rawQuery = query >= 0 ? rawTarget[(query + 1)..] : string.Empty;

        var builder = new StringBuilder();
        builder.Append(method.ToUpperInvariant()).Append('\n');
        builder.Append(CanonicalUri(path)).Append('\n');
        builder.Append(CanonicalQuery(rawQuery)).Append('\n');
        foreach (var name in signedHeaders)
        {
            builder.Append(name).Append(':').Append(CanonicalHeaderValue(headers[name])).Append('\n');
        }

        builder.Append('\n');
        builder.Append(string.Join(';', signedHeaders)).Append('\n');
        builder.Append(payloadHash);
        return builder.ToString();
    }

    internal static string CanonicalUri(string rawPath)
    {
        if (string.IsNullOrEmpty(rawPath))
        {
            return "/";
        }

        var segments = new List<string>();
        var input = rawPath.Split('/');
        for (var i = 0; i < input.Length; i++)
        {
            var segment = input[i];
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 1)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        var joined = string.Join('/', segments.Select(Encode));
        if (!joined.StartsWith('/'))
        {
            joined = "/" + joined;
        }

        // A trailing dot segment leaves the path ending with a slash, as RFC 3986 does.
        return rawPath.EndsWith("/.", StringComparison.Ordinal) || rawPath.EndsWith("/..", StringComparison.Ordinal)
            ? joined.TrimEnd('/') + "/"
            : joined;
    }

    internal static string CanonicalQuery(string rawQuery)
    {
        if (rawQuery.Length == 0)
        {
            return string.Empty;
        }

        var pairs = new List<(string Key, string Value)>();
        foreach (var part in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq >= 0 ? part[..eq] : part;
            var value = eq >= 0 ? part[(eq + 1)..] : string.Empty;
            pairs.Add((Encode(Decode(key)), Encode(Decode(value))));
        }

        pairs.Sort((a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(p => p.Key + "=" + p.Value));
    }

    internal static string CanonicalHeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        var lastWasSpace = false;
        foreach (var c in value.Trim())
        {
            var isSpace = c is ' ' or '\t' or '\r' or '\n';
            if (isSpace)
            {
                if (!lastWasSpace)
                {
                    builder.Append(' ');
                }
            }
            else
            {
                builder.Append(c);
            }

            lastWasSpace = isSpace;
        }

        return builder.ToString();
    }

    /// <summary>RFC 3986 encoding: unreserved characters kept, every other UTF-8 byte as uppercase <c>%XX</c>.</summary>
    internal static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    // Query values: '+' means a space, as AWSSDK.Core's signer reads it.
    private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
}
