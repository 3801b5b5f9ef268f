using System.Text;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Publishing;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// The bound on one answer's size, <see cref="TurnOptions.AnswerMaxBytes"/> UTF-8 bytes over every model call and
/// tool round of a turn (the kept prefix included): text goes to the turn's events while it fits; at the cap the
/// longest prefix that fits goes (never half a surrogate pair) and the cap is <see cref="Reached"/>.
/// </summary>
internal sealed partial class AnswerSizeCap(int maxBytes, string startText, EventCoalescer events, ILogger logger)
{
    private long _bytes = Encoding.UTF8.GetByteCount(startText);
    private bool _endsInHighSurrogate;

    public int MaxBytes => maxBytes;

    /// <summary>True once text was cut at the cap: nothing after it is used, tool calls included.</summary>
    public bool Reached { get; private set; }

    /// <summary>Appends <paramref name="text"/> if it fits; otherwise appends what fits, marks the cap reached and returns false.</summary>
    public bool TryAppend(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        // Counted per code point: a pair split across two pieces counts 4 bytes with its high half (reserved
        // for the low half that completes it) and 0 with its low half.
        var budget = maxBytes - _bytes;
        var take = 0;
        long used = 0;
        while (take < text.Length)
        {
            var c = text[take];
            int units, size;
            if (char.IsHighSurrogate(c) && take + 1 < text.Length && char.IsLowSurrogate(text[take + 1]))
            {
                (units, size) = (2, 4);
            }
            else if (take == 0 && _endsInHighSurrogate && char.IsLowSurrogate(c))
            {
                (units, size) = (1, 0);
            }
            else
            {
                (units, size) = (1, c < 0x80 ? 1 : c < 0x800 ? 2 : char.IsHighSurrogate(c) ? 4 : 3);
            }

            if (used + size > budget)
            {
                break;
            }

            used += size;
            take += units;
        }

        if (take == text.Length)
        {
            _bytes += used;
            _endsInHighSurrogate = char.IsHighSurrogate(text[^1]);
            events.AppendText(text);
            return true;
        }

        if (take > 0)
        {
            events.AppendText(text[..take]);
        }

        LogAnswerCapped(logger, maxBytes);
        Reached = true;
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The answer reached {MaxBytes} bytes, the most a stored message can hold; stopping the model and ending the turn AnswerTooLarge")]
    private static partial void LogAnswerCapped(ILogger logger, int maxBytes);
}
