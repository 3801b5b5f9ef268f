using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Worker.Tests.Fakes;

/// <summary>
/// Rebuilds a message from the Worker's events with the client library's catch-up (<see cref="MessageTimeline"/>,
/// the code every .NET viewer runs), and fails the test on anything a strict reading of the stream contract
/// (README.md "The stream contract", docs/catch-up.md) forbids: every event must be the next one the timeline
/// applies (seq gap-free from 0 per turn, a new turn only through <c>turn.started</c>, no duplicates), a text
/// offset must equal the current length, text is never split inside a surrogate pair, and a terminal event's
/// length and checksum must match the text. The timeline tolerates some of these (it waits for a missing seq,
/// skips text it already has); the Worker must never need that tolerance.
/// </summary>
public sealed class Viewer
{
    private const string ConversationId = "viewer-conversation";
    private const string MessageId = "viewer-message";

    private readonly MessageTimeline _timeline = new(ConversationId, MessageId);
    private readonly List<ChatUpdate> _updates = [];

    public Viewer(string startText = "")
    {
        // The snapshot the events extend: the stored text before the first event (no event applied yet).
        var snapshot = new Message { MessageId = MessageId, Role = MessageRoles.Assistant, Status = MessageStatus.Queued, Text = startText, Turn = 0, Seq = -1 };
        _timeline.ApplySnapshot(snapshot, ResyncReason.Joined, _updates);
    }

    public int Turn => _timeline.Turn;

    public long NextSeq => _timeline.Seq + 1;

    /// <summary>The terminal event the timeline accepted (its length and checksum matched the text); null before it.</summary>
    public StreamEvent? Terminal { get; private set; }

    public string Text => _timeline.Text;

    public static Viewer Replay(IEnumerable<StreamEvent> events, string startText = "")
    {
        var viewer = new Viewer(startText);
        foreach (var e in events)
        {
            viewer.Apply(e);
        }

        return viewer;
    }

    public void Apply(StreamEvent e)
    {
        Assert.False(_timeline.Finished, $"{e.GetType().Name} (turn {e.Turn}, seq {e.Seq}) after the terminal event");
        if (e is TextDelta delta)
        {
            Assert.Equal(_timeline.Length, delta.Offset);
            Assert.False(delta.Text.Length > 0 && char.IsLowSurrogate(delta.Text[0]) && _timeline.Length > 0 && char.IsHighSurrogate(Text[^1]), "an event split a surrogate pair");
            Assert.False(delta.Text.Length > 0 && char.IsHighSurrogate(delta.Text[^1]), "an event ends inside a surrogate pair");
        }

        var before = _updates.Count;
        _timeline.Offer(e, _updates);
        Assert.True(_timeline.NeedsSnapshot is null, $"{e.GetType().Name} (turn {e.Turn}, seq {e.Seq}) does not fit the text: the timeline asks for a snapshot ({_timeline.NeedsSnapshot})");
        Assert.True((_timeline.Turn, _timeline.Seq) == (e.Turn, e.Seq) && _timeline.PendingCount == 0,
            $"{e.GetType().Name} (turn {e.Turn}, seq {e.Seq}) is not the next event after turn {_timeline.Turn}, seq {_timeline.Seq}");
        if (_updates.Skip(before).OfType<MessageFinished>().Any())
        {
            Terminal = e;
        }
    }
}
