using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.Tests.CatchUp;

/// <summary>
/// A final message never changes again. The Worker tests' viewer used to accept a higher turn's
/// <c>turn.started</c> after a terminal event (and start over); the shipped timeline ignores it, and that is the
/// contract: a takeover only ever resumes a message that is not final (QUEUED or STREAMING).
/// </summary>
public sealed class MessageTimelineFinalTests
{
    [Fact]
    public void EventsAfterTheTerminalEvent_AreIgnored_TheTextStaysFinal()
    {
        var timeline = new MessageTimeline("c1", "m1");
        var updates = new List<ChatUpdate>();
        timeline.ApplySnapshot(new Message { MessageId = "m1", Role = MessageRoles.Assistant, Status = MessageStatus.Queued, Turn = 1, Seq = -1 }, ResyncReason.Joined, updates);
        timeline.Offer(new TurnStarted { ConversationId = "c1", MessageId = "m1", Turn = 1, Seq = 0, Offset = 0 }, updates);
        timeline.Offer(new TextDelta { ConversationId = "c1", MessageId = "m1", Turn = 1, Seq = 1, Offset = 0, Text = "Done." }, updates);
        timeline.Offer(new TurnCompleted { ConversationId = "c1", MessageId = "m1", Turn = 1, Seq = 2, StopReason = "end_turn", Length = 5, Checksum = TextChecksum.Of("Done.") }, updates);
        var finished = updates.Count;

        timeline.Offer(new TurnStarted { ConversationId = "c1", MessageId = "m1", Turn = 2, Seq = 0, Offset = 0 }, updates);
        timeline.Offer(new TextDelta { ConversationId = "c1", MessageId = "m1", Turn = 2, Seq = 1, Offset = 0, Text = "Again" }, updates);

        Assert.True(timeline.Finished);
        Assert.Equal(MessageStatus.Completed, timeline.Status);
        Assert.Equal("Done.", timeline.Text);
        Assert.Equal((1, 2L), (timeline.Turn, timeline.Seq));
        Assert.Equal(finished, updates.Count);
        Assert.Equal(2, timeline.DuplicatesIgnored);
    }
}
