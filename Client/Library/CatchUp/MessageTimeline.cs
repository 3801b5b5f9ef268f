using System.Text;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.CatchUp;

/// <summary>
/// The pure catch-up state of one assistant message: the text so far, the (turn, seq) of the last applied
/// event, and the events received ahead of it. No I/O, no clock: the driver (<see cref="ConversationFollower"/>)
/// feeds snapshots and events and reads <see cref="NeedsSnapshot"/> and <see cref="Hole"/> to decide what to do.
/// Public so that every .NET viewer (the CLI through the follower, the Worker's and the integration tests, the
/// benchmark) applies events with this one implementation rather than its own.
/// <para>
/// Rules (see docs/catch-up.md): events are ordered by (turn, seq); an event at or below the applied
/// position is a duplicate; the next seq is applied; a later one waits in <c>pending</c> (a hole);
/// <c>turn.started</c> of a higher turn supersedes everything before it and truncates the text to its
/// offset; text already covered is skipped; text beyond the end is a gap; a terminal event is accepted
/// only when its length and checksum match the text.
/// </para>
/// </summary>
public sealed class MessageTimeline
{
    private readonly StringBuilder _text = new();
    private readonly SortedDictionary<(int Turn, long Seq), StreamEvent> _pending = new();
    private readonly int _maxEventsPerPublish;
    private readonly int _maxPending;

    public MessageTimeline(string conversationId, string messageId, int maxEventsPerPublish = StreamEventTypes.MaxEventsPerPublish, int maxPending = 10_000)
    {
        ConversationId = conversationId;
        MessageId = messageId;
        _maxEventsPerPublish = maxEventsPerPublish;
        _maxPending = maxPending;
    }

    public string ConversationId { get; }

    public string MessageId { get; }

    public int Turn { get; private set; }

    /// <summary>Seq of the last applied event of <see cref="Turn"/>; -1 when none.</summary>
    public long Seq { get; private set; } = -1;

    public string Status { get; private set; } = MessageStatus.Queued;

    /// <summary>The state has a starting point: a snapshot was applied, or <see cref="StartFromEmpty"/> proved the empty start.</summary>
    public bool HasSnapshot { get; private set; }

    public bool Finished { get; private set; }

    public int Length => _text.Length;

    public string Text => _text.ToString();

    /// <summary>Set when the text is known to disagree with the server (checksum mismatch): the next snapshot is taken even if not newer.</summary>
    public bool TextSuspect { get; private set; }

    /// <summary>Why the driver must fetch a snapshot now; null when nothing forces it.</summary>
    public ResyncReason? NeedsSnapshot { get; private set; }

    /// <summary>Events wait for a missing one (which may still arrive out of order).</summary>
    public bool Hole => !Finished && HasSnapshot && _pending.Count > 0;

    public int PendingCount => _pending.Count;

    /// <summary>Counters for tests and diagnostics.</summary>
    public int DuplicatesIgnored { get; private set; }

    public int UnknownIgnored { get; private set; }

    /// <summary>
    /// Offers one event of this message. Before the first snapshot it is only buffered. Returns the
    /// updates it caused (possibly several, when it filled a hole).
    /// </summary>
    public void Offer(StreamEvent streamEvent, List<ChatUpdate> output)
    {
        if (Finished)
        {
            DuplicatesIgnored++;
            return;
        }

        var key = (streamEvent.Turn, streamEvent.Seq);
        if (streamEvent.Seq < 0 || (HasSnapshot && key.CompareTo((Turn, Seq)) <= 0) || _pending.ContainsKey(key))
        {
            DuplicatesIgnored++;
            return;
        }

        if (_pending.Count >= _maxPending)
        {
            // Far behind with a hole that never fills: drop the buffer and let the snapshot carry us.
            _pending.Clear();
            NeedsSnapshot ??= ResyncReason.Gap;
            return;
        }

        _pending[key] = streamEvent;
        if (HasSnapshot)
        {
            Drain(output);
        }
    }

    /// <summary>
    /// True when the buffered events prove that the subscription predates the message, so no snapshot is needed
    /// to start: the message's <c>turn.started</c> of turn 1 at seq 0 with offset 0 arrived. Nothing of the
    /// message can precede it (turn 1 is the first attempt, seq 0 its first event, offset 0 an empty text), and
    /// every later event either arrives or leaves a hole that the usual rules detect.
    /// </summary>
    public bool CanStartFromEmpty =>
        !HasSnapshot && !Finished && _pending.TryGetValue((1, 0), out var first) && first is TurnStarted { Offset: 0 };

    /// <summary>
    /// Starts from the state a snapshot of the not yet started message would give (empty text, turn 1, seq -1)
    /// when <see cref="CanStartFromEmpty"/>, and applies the buffered events. A snapshot applied later is an
    /// ordinary one: ignored when behind, taken when ahead or final. Returns false (and changes nothing) otherwise.
    /// </summary>
    public bool StartFromEmpty(List<ChatUpdate> output)
    {
        if (!CanStartFromEmpty)
        {
            return false;
        }

        Turn = 1;
        Seq = -1;
        Status = MessageStatus.Queued;
        HasSnapshot = true;
        Drain(output);
        return true;
    }

    /// <summary>
    /// Applies a snapshot of this message. A snapshot is taken when it is the first, final, forced
    /// (<see cref="TextSuspect"/>), or ahead of the applied position; a snapshot behind what the live events
    /// already delivered is ignored (returns false).
    /// </summary>
    public bool ApplySnapshot(Message message, ResyncReason reason, List<ChatUpdate> output)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!string.Equals(message.MessageId, MessageId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Snapshot of message {message.MessageId} offered to the timeline of {MessageId}.", nameof(message));
        }

        if (Finished)
        {
            return false;
        }

        var final = MessageStatus.IsFinal(message.Status);
        var ahead = ((int Turn, long Seq))(message.Turn, message.Seq) is var key && key.CompareTo((Turn, Seq)) > 0;
        if (HasSnapshot && !final && !TextSuspect && !ahead)
        {
            NeedsSnapshot = null;
            return false;
        }

        var before = HasSnapshot ? Text : "";
        _text.Clear().Append(message.Text);
        Turn = message.Turn;
        Seq = message.Seq;
        Status = message.Status;
        TextSuspect = false;
        NeedsSnapshot = null;
        var first = !HasSnapshot;
        HasSnapshot = true;
        EmitTextChange(before, message.Text, reason, output);
        if (!first)
        {
            output.Add(new Resynced(MessageId, reason, message.Status, message.Text.Length));
        }

        if (final)
        {
            Finish(output, FromSnapshot(message));
            return true;
        }

        Drain(output);
        return true;
    }

    /// <summary>True when a hole cannot be an out-of-order delivery inside one publish (at most 5 consecutive events).</summary>
    public bool HoleIsDefinite()
    {
        if (!Hole)
        {
            return false;
        }

        foreach (var (turn, seq) in _pending.Keys)
        {
            var span = turn == Turn ? seq - Seq : seq + 1;
            if (span > _maxEventsPerPublish)
            {
                return true;
            }
        }

        return false;
    }

    private void Drain(List<ChatUpdate> output)
    {
        while (!Finished && NeedsSnapshot is null && _pending.Count > 0)
        {
            // A turn.started of a higher turn supersedes everything of lower turns, even a hole.
            (int Turn, long Seq)? takeover = null;
            foreach (var (key, value) in _pending)
            {
                if (key.Turn > Turn && key.Seq == 0 && value is TurnStarted)
                {
                    takeover = key;
                }
            }

            if (takeover is { } t)
            {
                foreach (var stale in _pending.Keys.Where(k => k.Turn < t.Turn).ToList())
                {
                    _pending.Remove(stale);
                }
            }

            var (nextKey, next) = _pending.First();
            if (nextKey.CompareTo((Turn, Seq)) <= 0)
            {
                _pending.Remove(nextKey);
                DuplicatesIgnored++;
                continue;
            }

            var inOrder = nextKey.Turn == Turn && nextKey.Seq == Seq + 1;
            var newTurn = nextKey.Turn > Turn && nextKey.Seq == 0 && next is TurnStarted;
            if (!inOrder && !newTurn)
            {
                return; // hole: wait for the missing event, or for the driver's snapshot
            }

            if (!Apply(next, output))
            {
                return; // the event stays pending; NeedsSnapshot says why
            }

            _pending.Remove(nextKey);
        }
    }

    private bool Apply(StreamEvent e, List<ChatUpdate> output)
    {
        switch (e)
        {
            case TurnStarted started:
                if (started.Offset > _text.Length)
                {
                    NeedsSnapshot = ResyncReason.Gap;
                    return false;
                }

                var restarted = started.Turn > Turn && Turn >= 1;
                if (started.Offset < _text.Length)
                {
                    _text.Length = (int)started.Offset;
                    output.Add(new TextReset(MessageId, Text, ResyncReason.TurnTakeover));
                }

                output.Add(restarted
                    ? new TurnRestarted(MessageId, started.Turn, started.Offset)
                    : new AnswerStarted(MessageId, started.Turn, started.ModelId, started.RequestedAtMs));

                break;

            case TextDelta delta:
                if (delta.Offset > _text.Length)
                {
                    NeedsSnapshot = ResyncReason.Gap;
                    return false;
                }

                var covered = _text.Length - delta.Offset;
                if (covered < delta.Text.Length)
                {
                    var piece = covered == 0 ? delta.Text : delta.Text[(int)covered..];
                    var at = _text.Length;
                    _text.Append(piece);
                    output.Add(new TextAppended(MessageId, piece, at));
                }

                break;

            case ToolStarted tool:
                output.Add(new ToolCallStarted(MessageId, tool.ToolUseId, tool.Name, tool.Summary));
                break;

            case ToolFinished tool:
                output.Add(new ToolCallFinished(MessageId, tool.ToolUseId, tool.Name, tool.Status, tool.DurationMs, tool.Summary));
                break;

            case TurnCompleted or TurnFailed or TurnCancelled:
                var (length, checksum) = e switch
                {
                    TurnCompleted c => (c.Length, c.Checksum),
                    TurnFailed f => (f.Length, f.Checksum),
                    TurnCancelled x => (x.Length, x.Checksum),
                    _ => throw new InvalidOperationException("unreachable"),
                };
                var text = Text;
                if (length != text.Length || !string.Equals(checksum, TextChecksum.Of(text), StringComparison.OrdinalIgnoreCase))
                {
                    TextSuspect = true;
                    NeedsSnapshot = ResyncReason.ChecksumMismatch;
                    return false;
                }

                Turn = e.Turn;
                Seq = e.Seq;
                Finish(output, e switch
                {
                    TurnCompleted c => new MessageCompleted(MessageId, text, c.StopReason, c.Usage),
                    TurnFailed f => new MessageFailed(MessageId, text, f.Status, f.ErrorCode, f.Message, f.Retryable),
                    _ => new MessageCancelled(MessageId, text),
                });
                return true;

            default:
                // An unknown type still occupies its seq: skip it, keep the sequence.
                UnknownIgnored++;
                break;
        }

        Turn = e.Turn;
        Seq = e.Seq;
        Status = MessageStatus.Streaming;
        return true;
    }

    private void Finish(List<ChatUpdate> output, MessageFinished finished)
    {
        Finished = true;
        Status = finished.Status;
        NeedsSnapshot = null;
        _pending.Clear();
        output.Add(finished);
    }

    private MessageFinished FromSnapshot(Message message) => message.Status switch
    {
        MessageStatus.Completed => new MessageCompleted(MessageId, message.Text, message.StopReason, message.Usage),
        MessageStatus.Cancelled => new MessageCancelled(MessageId, message.Text),
        _ => new MessageFailed(
            MessageId,
            message.Text,
            message.Status,
            message.Error?.Code ?? "Unknown",
            message.Error?.Message ?? $"The answer ended {message.Status}.",
            message.Error?.Retryable ?? false),
    };

    private void EmitTextChange(string before, string after, ResyncReason reason, List<ChatUpdate> output)
    {
        if (after.StartsWith(before, StringComparison.Ordinal))
        {
            if (after.Length > before.Length)
            {
                output.Add(new TextAppended(MessageId, after[before.Length..], before.Length));
            }
        }
        else
        {
            output.Add(new TextReset(MessageId, after, reason));
        }
    }
}
