using System.Globalization;
using System.Security.Cryptography;

namespace AppSyncChat.Conversations.Ids;

/// <summary>
/// Time-ordered message ids: 12 lowercase hex characters of the Unix time in milliseconds followed by
/// 20 random hex characters (32 in all). They sort by creation time as strings, are valid AppSync
/// channel segments, and are unguessable enough (80 random bits) to be used in URLs.
/// </summary>
public static class MessageIds
{
    public const int Length = 32;
    private const int TimestampLength = 12;

    public static string New(DateTimeOffset at) => New(at.ToUnixTimeMilliseconds());

    /// <summary>
    /// An id at least one millisecond after <paramref name="previousId"/> (when given), so a new message
    /// sorts after every message already in the conversation even when clocks of two Api instances
    /// disagree a little.
    /// </summary>
    public static string NewAfter(DateTimeOffset now, string? previousId)
    {
        var ms = now.ToUnixTimeMilliseconds();
        if (previousId is not null && TryGetTimestamp(previousId, out var previousMs) && previousMs >= ms)
        {
            ms = previousMs + 1;
        }

        return New(ms);
    }

    public static bool TryGetTimestamp(string id, out long unixMilliseconds)
    {
        unixMilliseconds = 0;
        return id is { Length: >= TimestampLength }
            && long.TryParse(id.AsSpan(0, TimestampLength), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out unixMilliseconds);
    }

    private static string New(long unixMilliseconds)
    {
        if (unixMilliseconds < 0 || unixMilliseconds >= 1L << 48)
        {
            throw new ArgumentOutOfRangeException(nameof(unixMilliseconds), "Time outside the 48-bit millisecond range.");
        }

        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        return unixMilliseconds.ToString("x12", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(random);
    }
}
