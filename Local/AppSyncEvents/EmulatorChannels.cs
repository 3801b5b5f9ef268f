using System.Text.RegularExpressions;

namespace AppSyncChat.Local.AppSyncEvents;

/// <summary>Channel path rules of the service (docs/aws-protocols.md §1.6), implemented independently of the client.</summary>
internal static partial class EmulatorChannels
{
    [GeneratedRegex(@"^/?[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?(?:/[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?){0,4}/?$", RegexOptions.CultureInvariant)]
    private static partial Regex ChannelPattern();

    [GeneratedRegex("^[a-zA-Z0-9-_+]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex OperationIdPattern();

    public static bool IsOperationId(string? id) => id is not null && OperationIdPattern().IsMatch(id);

    /// <summary>A concrete channel, normalized to <c>/ns/a/b</c>; null when invalid (or containing a wildcard).</summary>
    public static string? NormalizePublish(string? channel) =>
        channel is not null && ChannelPattern().IsMatch(channel) ? "/" + channel.Trim('/') : null;

    /// <summary>
    /// A subscription pattern: a concrete channel (<paramref name="wildcardPrefix"/> null) or <c>/ns/…/*</c>
    /// (<paramref name="wildcardPrefix"/> is the normalized part before <c>/*</c>; it matches any depth below).
    /// </summary>
    public static bool TryParseSubscribe(string? channel, out string normalized, out string? wildcardPrefix)
    {
        normalized = string.Empty;
        wildcardPrefix = null;
        if (channel is null)
        {
            return false;
        }

        var trimmed = channel.EndsWith('/') && channel.Length > 1 ? channel[..^1] : channel;
        if (trimmed.EndsWith("/*", StringComparison.Ordinal))
        {
            var prefix = NormalizePublish(trimmed[..^2]);
            if (prefix is null || SegmentCount(prefix) >= 5)
            {
                return false;
            }

            wildcardPrefix = prefix;
            normalized = prefix + "/*";
            return true;
        }

        var exact = NormalizePublish(channel);
        if (exact is null)
        {
            return false;
        }

        normalized = exact;
        return true;
    }

    /// <summary>The namespace (first segment) of a normalized path.</summary>
    public static string NamespaceOf(string normalized)
    {
        var slash = normalized.IndexOf('/', 1);
        return slash < 0 ? normalized[1..] : normalized[1..slash];
    }

    private static int SegmentCount(string normalized) => normalized.Count(c => c == '/');
}
