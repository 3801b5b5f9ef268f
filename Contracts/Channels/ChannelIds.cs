using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace AppSyncChat.Contracts.Channels;

/// <summary>
/// Ids that travel inside an AppSync Events channel path must satisfy the channel-segment rule:
/// 1–50 characters of <c>[A-Za-z0-9-]</c>, not starting or ending with a dash. Every edge that takes an
/// id from outside (GraphQL arguments, queue messages, CLI flags) checks it here.
/// </summary>
public static partial class ChannelIds
{
    public const int MaxLength = 50;

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex SegmentPattern();

    public static bool IsValid([NotNullWhen(true)] string? id) => id is not null && SegmentPattern().IsMatch(id);

    /// <summary>A new id: 32 lowercase hex characters, valid as a channel segment.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>Why an id is rejected, in words a caller can act on; null when it is valid.</summary>
    public static string? Explain(string? id) => id switch
    {
        null or "" => "must not be empty",
        { Length: > MaxLength } => $"must be at most {MaxLength} characters",
        _ when !IsValid(id) => "may contain only letters, digits and '-', and must not start or end with '-'",
        _ => null,
    };
}
