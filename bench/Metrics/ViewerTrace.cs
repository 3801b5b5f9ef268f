using System.Text;
using System.Text.Json;
using AppSyncChat.Bench.Load;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Bench.Metrics;

/// <summary>What one viewer saw of one assistant message, parsed after the turn.</summary>
public sealed class ViewerTrace
{
    private ViewerTrace()
    {
    }

    /// <summary>Events of the message (every type).</summary>
    public int Events { get; private set; }

    public int TextEvents { get; private set; }

    public DateTimeOffset? FirstTextAt { get; private set; }

    public DateTimeOffset? LastTextAt { get; private set; }

    public DateTimeOffset? TerminalAt { get; private set; }

    public string? TerminalType { get; private set; }

    /// <summary>When <c>turn.started</c> arrived (the Worker claimed the turn and announced it).</summary>
    public DateTimeOffset? TurnStartedAt { get; private set; }

    /// <summary>The text assembled strictly from the events' offsets (no snapshot repair).</summary>
    public string Text { get; private set; } = "";

    /// <summary>A text event started beyond the assembled text (an event was lost) or disagreed with it.</summary>
    public bool Gap { get; private set; }

    /// <summary>(receipt, offset, text) of each text event, in arrival order.</summary>
    public List<(DateTimeOffset At, long Offset, string Text)> Pieces { get; } = [];

    public static ViewerTrace Parse(IEnumerable<ReceivedEvent> received, string messageId)
    {
        var trace = new ViewerTrace();
        var text = new StringBuilder();
        foreach (var e in received)
        {
            using var document = JsonDocument.Parse(e.Json);
            var root = document.RootElement;
            if (!root.TryGetProperty("messageId", out var id) || id.GetString() != messageId)
            {
                continue;
            }

            trace.Events++;
            var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
            switch (type)
            {
                case StreamEventTypes.TextDelta:
                    var offset = root.GetProperty("offset").GetInt64();
                    var piece = root.GetProperty("text").GetString() ?? "";
                    trace.TextEvents++;
                    trace.Pieces.Add((e.At, offset, piece));
                    if (piece.Length > 0)
                    {
                        trace.FirstTextAt ??= e.At;
                        trace.LastTextAt = e.At;
                    }

                    if (offset == text.Length)
                    {
                        text.Append(piece);
                    }
                    else if (offset < text.Length && offset + piece.Length <= text.Length)
                    {
                        // a duplicate delivery: must agree with what is there
                        if (text.ToString((int)offset, piece.Length) != piece)
                        {
                            trace.Gap = true;
                        }
                    }
                    else
                    {
                        trace.Gap = true;
                    }

                    break;
                case StreamEventTypes.TurnStarted:
                    trace.TurnStartedAt ??= e.At;
                    break;
                case StreamEventTypes.TurnCompleted or StreamEventTypes.TurnCancelled or StreamEventTypes.TurnFailed:
                    trace.TerminalAt ??= e.At;
                    trace.TerminalType ??= type;
                    break;
            }
        }

        trace.Text = text.ToString();
        return trace;
    }
}
