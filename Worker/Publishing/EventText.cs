namespace AppSyncChat.Worker.Publishing;

/// <summary>
/// Splits text so that no event passes the AppSync 240 KB limit, never between the two halves of a
/// surrogate pair. Sizes are upper bounds of the serialized JSON string: System.Text.Json's default
/// encoder writes printable ASCII as one byte and escapes everything else (non-ASCII, quotes, HTML
/// characters, controls) as <c>\uXXXX</c> — at most 6 bytes per UTF-16 unit.
/// </summary>
internal static class EventText
{
    public const int MaxBytesPerChar = 6;

    public static int MaxEscapedBytes(char c) =>
        c is >= ' ' and <= '~' and not ('"' or '\\' or '<' or '>' or '&' or '\'' or '+' or '`') ? 1 : MaxBytesPerChar;

    /// <summary>Length of the longest prefix of <paramref name="text"/> whose escaped size fits <paramref name="budgetBytes"/>, not ending inside a surrogate pair.</summary>
    public static int FittingPrefix(ReadOnlySpan<char> text, int budgetBytes)
    {
        if ((long)text.Length * MaxBytesPerChar <= budgetBytes)
        {
            return text.Length;
        }

        var used = 0;
        var i = 0;
        while (i < text.Length)
        {
            var size = MaxEscapedBytes(text[i]);
            if (used + size > budgetBytes)
            {
                break;
            }

            used += size;
            i++;
        }

        if (i > 0 && i < text.Length && char.IsHighSurrogate(text[i - 1]) && char.IsLowSurrogate(text[i]))
        {
            i--;
        }

        if (i == 0 && text.Length > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(budgetBytes), budgetBytes, "The budget cannot hold a single character.");
        }

        return i;
    }
}
