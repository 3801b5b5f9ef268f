using System.Threading.Channels;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Tests.Support;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.Tests.CatchUp;

/// <summary>
/// A followed message whose first event (<c>turn.started</c> of turn 1, seq 0, offset 0) arrives while the first
/// snapshot is still being read shows its text at once; the snapshot is applied when it comes, as any later one.
/// </summary>
public sealed class FirstTextBeforeSnapshotTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static AnswerScript Answer() => AnswerScript.Streamed(["Streams ", "are ", "sequences ", "of ", "data."]);

    [Fact]
    public async Task Follow_SnapshotSlow_FirstTextShowsBeforeTheSnapshotReturns()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        var hold = server.HoldNextFetch();
        await using var h = new FollowerHarness(server);

        h.Subscription.Publish(answer.Events[0], answer.Events[1]);
        var following = await h.NextOfAsync<FollowingMessage>().WaitAsync(Bound);
        var first = await h.NextOfAsync<TextAppended>().WaitAsync(Bound);

        Assert.False(hold.Task.IsCompleted);
        Assert.Equal("Streams ", first.Text);
        Assert.Equal((1, MessageStatus.Queued, (string?)null), (following.Turn, following.Status, following.Prompt));
        Assert.Single(h.Seen.OfType<AnswerStarted>());

        await h.ReleaseAsync(hold); // the snapshot (QUEUED, behind) is ignored; it brings the prompt
        Assert.Equal(FakeChatServer.Prompt, Assert.Single(h.Seen.OfType<PromptFound>()).Prompt);
        h.Subscription.Publish([.. answer.Events.Skip(2)]);
        var done = await h.FinishAsync();

        Assert.Equal(answer.FinalText, done.Text);
        Assert.Equal(answer.FinalText, h.Text);
        Assert.DoesNotContain(h.Seen, u => u is TextReset or Resynced);
        Assert.Equal(1, server.Fetches);
    }

    [Fact]
    public async Task Follow_SnapshotSlowOnTheRealClock_FirstTextShowsBeforeTheSnapshotReturns()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        var hold = server.HoldNextFetch();
        var subscription = new ScriptedSubscription();
        var follower = new ConversationFollower(server, subscription);
        var updates = Channel.CreateUnbounded<ChatUpdate>();
        using var stop = new CancellationTokenSource(Bound);
        var run = Task.Run(async () =>
        {
            await foreach (var update in follower.FollowAsync(new FollowRequest(FakeChatServer.ConversationId) { MessageId = answer.MessageId }, stop.Token))
            {
                updates.Writer.TryWrite(update);
            }

            updates.Writer.TryComplete();
        });

        subscription.Publish(answer.Events[0], answer.Events[1]);
        ChatUpdate update;
        do
        {
            update = await updates.Reader.ReadAsync(stop.Token);
        }
        while (update is not TextAppended);

        Assert.False(hold.Task.IsCompleted);
        Assert.Equal("Streams ", ((TextAppended)update).Text);

        hold.SetResult();
        subscription.Publish([.. answer.Events.Skip(2)]);
        var text = "Streams ";
        await foreach (var later in updates.Reader.ReadAllAsync(stop.Token))
        {
            text = later switch
            {
                TextAppended a => text + a.Text,
                TextReset r => r.Text,
                _ => text,
            };
        }

        await run.WaitAsync(Bound);
        Assert.Equal(answer.FinalText, text);
    }

    [Fact]
    public async Task Follow_PromptKnownToTheCaller_IsInFollowingMessageAndNotRepeated()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        var hold = server.HoldNextFetch();
        await using var h = new FollowerHarness(server, new FollowRequest(FakeChatServer.ConversationId) { MessageId = answer.MessageId, Prompt = "what I sent" });

        h.Subscription.Publish(answer.Events[0], answer.Events[1]);
        var following = await h.NextOfAsync<FollowingMessage>().WaitAsync(Bound);
        await h.NextOfAsync<TextAppended>().WaitAsync(Bound);
        await h.ReleaseAsync(hold);
        h.Subscription.Publish([.. answer.Events.Skip(2)]);
        await h.FinishAsync();

        Assert.Equal("what I sent", following.Prompt);
        Assert.DoesNotContain(h.Seen, u => u is PromptFound);
        Assert.Equal(answer.FinalText, h.Text);
    }

    [Fact]
    public async Task Follow_FirstEventLiveThenAGap_ResnapshotsAfterTheGracePeriod()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        var hold = server.HoldNextFetch();
        await using var h = new FollowerHarness(server);

        h.Subscription.Publish(answer.Events[0], answer.Events[2], answer.Events[3]); // seq 1 lost
        await h.NextOfAsync<AnswerStarted>().WaitAsync(Bound);
        await h.WaitIdleAsync();
        Assert.Equal("", h.Text);

        answer.CheckpointIndex = 3;
        await h.AdvanceToTimerAsync(TimeSpan.FromMilliseconds(300)); // the grace period, while the first read is still held
        await h.NextOfAsync<Resynced>().WaitAsync(Bound);
        Assert.Equal(answer.TextThrough(3), h.Text);
        Assert.False(hold.Task.IsCompleted);

        await h.ReleaseAsync(hold); // now behind: ignored
        h.Subscription.Publish([.. answer.Events.Skip(4)]);
        var done = await h.FinishAsync();

        Assert.Equal(answer.FinalText, done.Text);
        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(2, server.Fetches);
    }

    [Fact]
    public async Task Follow_ReconnectWhileStartedBeforeTheSnapshot_ResnapshotsAndEndsExact()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        var hold = server.HoldNextFetch();
        await using var h = new FollowerHarness(server);

        h.Subscription.Publish(answer.Events[0], answer.Events[1]);
        await h.NextOfAsync<TextAppended>().WaitAsync(Bound);
        answer.CheckpointIndex = 3; // seqs 2 and 3 published while the connection was down
        h.Subscription.Reconnect();
        await h.NextOfAsync<ConnectionRestored>().WaitAsync(Bound);
        await h.NextOfAsync<Resynced>().WaitAsync(Bound);
        Assert.Equal(answer.TextThrough(3), h.Text);

        await h.ReleaseAsync(hold);
        h.Subscription.Publish([.. answer.Events.Skip(4)]);
        var done = await h.FinishAsync();

        Assert.Equal(answer.FinalText, done.Text);
        Assert.Equal(answer.FinalText, h.Text);
    }

    [Fact]
    public async Task Follow_OnlyATakeoverSeenLive_WaitsForTheSnapshot()
    {
        // Turn 1 streamed before this viewer subscribed; it sees only turn 2, which starts at offset 0.
        var answer = new AnswerScript();
        answer.StartTurn(1, 0);
        answer.Delta("lost attempt");
        answer.CheckpointIndex = 1;
        var takeover = answer.StartTurn(2, 0);
        answer.Delta("Second ");
        answer.Delta("try.");
        answer.End(StreamEventTypes.TurnCompleted);
        var server = new FakeChatServer(answer);
        var hold = server.HoldNextFetch();
        await using var h = new FollowerHarness(server);

        h.Subscription.Publish(takeover, answer.Events[3]);
        await h.WaitIdleAsync();
        Assert.Empty(h.Seen);

        await h.ReleaseAsync(hold);
        h.Subscription.Publish([.. answer.Events.Skip(4)]);
        var done = await h.FinishAsync();

        Assert.IsType<FollowingMessage>(h.Seen[0]);
        Assert.Contains(h.Seen, u => u is TextAppended { Text: "lost attempt" }); // from the snapshot
        Assert.Contains(h.Seen, u => u is TurnRestarted { Turn: 2 });
        Assert.Equal("Second try.", done.Text);
        Assert.Equal("Second try.", h.Text);
    }

    [Fact]
    public async Task Follow_SnapshotAheadOfTheLiveEvents_IsTaken()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        var hold = server.HoldNextFetch();
        await using var h = new FollowerHarness(server);

        h.Subscription.Publish(answer.Events[0], answer.Events[1]);
        await h.NextOfAsync<TextAppended>().WaitAsync(Bound);
        answer.CheckpointAll(); // the rest never arrives live; the read returns the final state

        await h.ReleaseAsync(hold);
        var done = Assert.IsType<MessageCompleted>(await h.FinishAsync());

        Assert.Equal(answer.FinalText, done.Text);
        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(ResyncReason.Joined, Assert.Single(h.Seen.OfType<Resynced>()).Reason);
    }
}
