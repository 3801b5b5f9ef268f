using System.Text;
using System.Text.Json;
using AppSyncChat.Bench.Load;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Bench.Metrics;

/// <summary>What one viewer saw of one assistant message, read after the turn.</summary>
public sealed class ViewerTrace
{
    private ViewerTrace()
    {
    }

    /// <summary>Raw events of the message on the channel (every type).</summary>
    public int Events { get; private set; }

    public int TextEvents { get; private set; }

    /// <summary>When the catch-up first showed text of the message.</summary>
    public DateTimeOffset? FirstTextAt { get; private set; }

    public DateTimeOffset? LastTextAt { get; private set; }

    /// <summary>When the catch-up reported the message final.</summary>
    public DateTimeOffset? TerminalAt { get; private set; }

    public string? TerminalStatus { get; private set; }

    /// <summary>When <c>turn.started</c> arrived on the channel (the Worker claimed the turn and announced it).</summary>
    public DateTimeOffset? TurnStartedAt { get; private set; }

    /// <summary>The text the catch-up ended with (its verified final text), or what it showed so far.</summary>
    public string Text { get; private set; } = "";

    /// <summary>Snapshot fetches beyond the one on joining: the catch-up repaired a lost or late event.</summary>
    public int Resyncs { get; private set; }

    /// <summary>(shown at, offset, text) of each piece of text the catch-up appended, in order.</summary>
    public List<(DateTimeOffset At, long Offset, string Text)> Pieces { get; } = [];

    public static ViewerTrace Parse(IEnumerable<ReceivedEvent> received, IEnumerable<ViewerUpdate> updates, string messageId)
    {
        var trace = new ViewerTrace();
        foreach (var e in received)
        {
            using var document = JsonDocument.Parse(e.Json);
            var root = document.RootElement;
            if (!root.TryGetProperty("messageId", out var id) || id.GetString() != messageId)
            {
                continue;
            }

            trace.Events++;
            switch (root.TryGetProperty("type", out var t) ? t.GetString() : null)
            {
                case StreamEventTypes.TextDelta:
                    trace.TextEvents++;
                    break;
                case StreamEventTypes.TurnStarted:
                    trace.TurnStartedAt ??= e.At;
                    break;
            }
        }

        var text = new StringBuilder();
        foreach (var (at, update) in updates)
        {
            if (update.MessageId != messageId)
            {
                continue;
            }

            switch (update)
            {
                case TextAppended appended when appended.Text.Length > 0:
                    text.Append(appended.Text);
                    trace.Pieces.Add((at, appended.Offset, appended.Text));
                    trace.FirstTextAt ??= at;
                    trace.LastTextAt = at;
                    break;
                case TextReset reset:
                    text.Clear().Append(reset.Text);
                    break;
                case Resynced resynced when resynced.Reason != ResyncReason.Joined:
                    trace.Resyncs++;
                    break;
                case MessageFinished finished:
                    trace.TerminalAt ??= at;
                    trace.TerminalStatus ??= finished.Status;
                    text.Clear().Append(finished.Text);
                    break;
            }
        }

        trace.Text = text.ToString();
        return trace;
    }
}
