using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Errors;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Client.Tests.Support;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.Tests.CatchUp;

public sealed class ConversationFollowerTests
{
    private static readonly string[] Pieces = ["Streams ", "are ", "sequences ", "of ", "data ", "made ", "available ", "over ", "time", "."];

    private static AnswerScript Answer(string terminal = StreamEventTypes.TurnCompleted) => AnswerScript.Streamed(Pieces, terminal);

    [Fact]
    public async Task Follow_FinalSnapshotAtJoin_EmitsStoredTextAndCompletesWithoutEvents()
    {
        var answer = Answer();
        answer.CheckpointAll();
        await using var h = new FollowerHarness(new FakeChatServer(answer));

        var following = await h.NextOfAsync<FollowingMessage>();
        var done = Assert.IsType<MessageCompleted>(await h.FinishAsync());

        Assert.Equal(FakeChatServer.Prompt, following.Prompt);
        Assert.Equal(answer.FinalText, done.Text);
        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(AnswerScript.Usage, done.Usage);
        Assert.Equal("end_turn", done.StopReason);
        Assert.Equal("/chat/conv-1", h.Subscription.SubscribedChannel);
        Assert.True(h.Subscription.Disposed);
    }

    [Fact]
    public async Task Follow_EarlyJoinWithEveryEvent_BuildsExactTextFromAppendsOnly()
    {
        var answer = Answer();
        await using var h = new FollowerHarness(new FakeChatServer(answer));
        await h.NextOfAsync<FollowingMessage>();

        h.Subscription.Publish([.. answer.Events]);
        var done = await h.FinishAsync();

        Assert.Equal(answer.FinalText, done.Text);
        Assert.Equal(answer.FinalText, h.Text);
        Assert.DoesNotContain(h.Seen, u => u is TextReset or Resynced);
        Assert.Equal(Pieces.Length, h.Seen.OfType<TextAppended>().Count());
        Assert.Equal("emulated", h.Seen.OfType<AnswerStarted>().Single().ModelId);
        Assert.Equal(1, h.Server.Fetches);
    }

    [Fact]
    public async Task Follow_LateJoinMidAnswer_ShowsSnapshotThenOnlyNewText()
    {
        var answer = Answer();
        answer.CheckpointIndex = 5; // turn.started + 5 deltas stored
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();
        var first = await h.NextOfAsync<TextAppended>();
        Assert.Equal(answer.TextThrough(5), first.Text);

        // Live events from seq 4 on: 4 and 5 are already in the snapshot.
        h.Subscription.Publish([.. answer.Events.Skip(4)]);
        var done = await h.FinishAsync();

        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(answer.FinalText, done.Text);
        Assert.Equal(1, server.Fetches);
    }

    [Fact]
    public async Task Follow_EventsPublishedWhileSnapshotIsFetched_AreBufferedAndMergedWithoutDuplicates()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        server.OnFetch = fetch =>
        {
            if (fetch == 1)
            {
                // Subscribed first: events 0..6 arrive while the snapshot (checkpointed at 4) is read.
                h.Subscription.Publish([.. answer.Events.Take(7)]);
                answer.CheckpointIndex = 4;
            }
        };

        await h.NextOfAsync<FollowingMessage>();
        await h.WaitIdleAsync();
        Assert.Null(h.Error);
        Assert.Equal(answer.TextThrough(6), h.Text);

        h.Subscription.Publish([.. answer.Events.Skip(7)]);
        await h.FinishAsync();
        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(1, server.Fetches);
    }

    [Fact]
    public async Task Follow_DuplicateAndReplayedEvents_AreIgnored()
    {
        var answer = Answer();
        await using var h = new FollowerHarness(new FakeChatServer(answer));
        await h.NextOfAsync<FollowingMessage>();

        var events = answer.Events;
        h.Subscription.Publish([.. events.Take(6)]);
        h.Subscription.Publish([.. events.Take(6)]); // a whole replay
        h.Subscription.Publish(events[3], events[3], events[5]);
        h.Subscription.Publish([.. events.Skip(6)]);
        h.Subscription.Publish(events[^1], events[2]); // after the end
        await h.FinishAsync();

        Assert.Equal(answer.FinalText, h.Text);
        Assert.DoesNotContain(h.Seen, u => u is TextReset);
        Assert.Single(h.Seen.OfType<MessageFinished>());
    }

    [Fact]
    public async Task Follow_OutOfOrderWithinAPublish_IsReorderedWithoutSnapshot()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();

        var e = answer.Events;
        // Publishes of up to 5 events, each delivered in reverse order.
        foreach (var chunk in e.Chunk(StreamEventTypes.MaxEventsPerPublish))
        {
            h.Subscription.Publish([.. chunk.Reverse()]);
        }

        await h.FinishAsync();
        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(1, server.Fetches);
        Assert.DoesNotContain(h.Seen, u => u is Resynced);
    }

    [Fact]
    public async Task Follow_SeqJumpBeyondOnePublish_RefetchesSnapshotAtOnce()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();

        h.Subscription.Publish([.. answer.Events.Take(3)]);
        await h.WaitIdleAsync();
        answer.CheckpointIndex = 4; // storage has seq 3 and 4, which this viewer never receives
        h.Subscription.Publish([.. answer.Events.Skip(5).Take(6)]); // seq 5..10: more than one publish ahead

        var resynced = await h.NextOfAsync<Resynced>();
        Assert.Equal(ResyncReason.Gap, resynced.Reason);
        h.Subscription.Publish([.. answer.Events.Skip(11)]);
        await h.FinishAsync();

        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(2, server.Fetches);
        Assert.DoesNotContain(h.Seen, u => u is TextReset);
    }

    [Fact]
    public async Task Follow_SmallHoleThatNeverFills_RefetchesAfterGracePeriod()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        var options = new CatchUpOptions { GapGracePeriod = TimeSpan.FromMilliseconds(300) };
        await using var h = new FollowerHarness(server, options: options);
        await h.NextOfAsync<FollowingMessage>();

        h.Subscription.Publish([.. answer.Events.Take(3)]);
        h.Subscription.Publish(answer.Events[4]); // seq 3 lost; 4 could still be reordered
        await h.WaitIdleAsync();
        Assert.Equal(1, server.Fetches);
        answer.CheckpointIndex = 3;

        var before = h.Clock.GetUtcNow();
        await h.RunClockToNextDeadlineAsync();
        var resynced = h.Seen.OfType<Resynced>().Single();

        Assert.Equal(ResyncReason.Gap, resynced.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(300), h.Clock.GetUtcNow() - before);
        Assert.Equal(answer.TextThrough(4), h.Text); // snapshot through 3, then the waiting seq 4 applied
        h.Subscription.Publish([.. answer.Events.Skip(5)]);
        await h.FinishAsync();
        Assert.Equal(answer.FinalText, h.Text);
    }

    [Fact]
    public async Task Follow_SnapshotBehindTheHole_RetriesWithBackoffUntilTheCheckpointCatchesUp()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        var options = new CatchUpOptions { ResnapshotBackoff = TimeSpan.FromMilliseconds(250) };
        await using var h = new FollowerHarness(server, options: options);
        await h.NextOfAsync<FollowingMessage>();

        h.Subscription.Publish([.. answer.Events.Take(3)]);
        h.Subscription.Publish([.. answer.Events.Skip(9).Take(2)]); // seq 3..8 lost, definite gap
        await h.WaitIdleAsync();
        Assert.Equal(2, server.Fetches); // the immediate re-fetch found storage still at QUEUED

        var behind = h.Clock.GetUtcNow();
        for (var attempt = 3; attempt <= 6; attempt++)
        {
            await h.RunClockToNextDeadlineAsync(); // every 250 ms for the first four tries
            Assert.Equal(attempt, server.Fetches);
        }

        Assert.Equal(TimeSpan.FromMilliseconds(4 * 250), h.Clock.GetUtcNow() - behind);
        answer.CheckpointIndex = 8;
        var before = h.Clock.GetUtcNow();
        await h.RunClockToNextDeadlineAsync(); // then doubling: 500 ms
        Assert.Equal(ResyncReason.Gap, h.Seen.OfType<Resynced>().Single().Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(500), h.Clock.GetUtcNow() - before);
        Assert.Equal(answer.TextThrough(10), h.Text); // snapshot through 8, then the buffered 9 and 10

        h.Subscription.Publish([.. answer.Events.Skip(11)]);
        await h.FinishAsync();
        Assert.Equal(answer.FinalText, h.Text);
    }

    [Fact]
    public async Task Follow_OffsetBeyondTheText_IsAGapAndRefetches()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();
        h.Subscription.Publish([.. answer.Events.Take(3)]);
        await h.WaitIdleAsync();

        // A delta with the next seq but an offset past our text (a mis-sequenced publisher).
        var next = (TextDelta)answer.Events[3];
        answer.CheckpointIndex = 3;
        h.Subscription.Publish(next with { Seq = 3, Offset = next.Offset + 5 });
        var resynced = await h.NextOfAsync<Resynced>();

        Assert.Equal(ResyncReason.Gap, resynced.Reason);
        Assert.Equal(answer.TextThrough(3), h.Text);
    }

    [Fact]
    public async Task Follow_Reconnect_RefetchesSnapshotAndRecoversLostEvents()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();
        h.Subscription.Publish([.. answer.Events.Take(4)]);
        await h.WaitIdleAsync();

        // Disconnected while seq 4..8 were published; storage checkpointed through 7.
        answer.CheckpointIndex = 7;
        h.Subscription.Reconnect();
        await h.NextOfAsync<ConnectionRestored>();
        var resynced = await h.NextOfAsync<Resynced>();
        Assert.Equal(ResyncReason.Reconnected, resynced.Reason);
        Assert.Equal(answer.TextThrough(7), h.Text);

        h.Subscription.Publish([.. answer.Events.Skip(8)]);
        await h.FinishAsync();
        Assert.Equal(answer.FinalText, h.Text);
        Assert.DoesNotContain(h.Seen, u => u is TextReset);
    }

    [Fact]
    public async Task Follow_TransportReportsLostEvents_RefetchesTheSnapshot()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();
        h.Subscription.Publish([.. answer.Events.Take(3)]);
        await h.WaitIdleAsync();

        answer.CheckpointIndex = 6; // seq 3..6 were not delivered (broadcast_error), but are stored
        h.Subscription.ReportLoss();
        var resynced = await h.NextOfAsync<Resynced>();

        Assert.Equal(ResyncReason.Gap, resynced.Reason);
        Assert.Equal(answer.TextThrough(6), h.Text);
        Assert.Equal(2, server.Fetches);
    }

    [Fact]
    public async Task Follow_ReconnectWithSnapshotBehindLiveText_KeepsTheLiveText()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();
        h.Subscription.Publish([.. answer.Events.Take(8)]);
        await h.WaitIdleAsync();

        answer.CheckpointIndex = 3; // storage lags behind what we already show
        h.Subscription.Reconnect();
        await h.WaitIdleAsync();
        Assert.Equal(answer.TextThrough(7), h.Text);

        h.Subscription.Publish([.. answer.Events.Skip(8)]);
        await h.FinishAsync();
        Assert.Equal(answer.FinalText, h.Text);
        Assert.DoesNotContain(h.Seen, u => u is TextReset);
    }

    [Fact]
    public async Task Follow_HigherTurnTakesOver_TruncatesToItsOffsetAndIgnoresTheOldTurn()
    {
        var answer = new AnswerScript();
        answer.StartTurn(1, 0);
        answer.Delta("The first ");
        answer.Delta("worker wrote ");
        answer.Delta("this and died");
        var oldTurnTail = answer.Events.ToList();
        answer.StartTurn(2, "The first worker wrote ".Length); // the stored checkpoint length
        answer.Delta("the rest, resumed.");
        answer.End(StreamEventTypes.TurnCompleted);
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();

        h.Subscription.Publish([.. oldTurnTail]);
        await h.WaitIdleAsync();
        Assert.Equal("The first worker wrote this and died", h.Text);

        h.Subscription.Publish(answer.Events[4]); // turn 2, seq 0
        var reset = await h.NextOfAsync<TextReset>();
        var restarted = await h.NextOfAsync<TurnRestarted>();
        Assert.Equal("The first worker wrote ", reset.Text);
        Assert.Equal(ResyncReason.TurnTakeover, reset.Reason);
        Assert.Equal(2, restarted.Turn);

        h.Subscription.Publish(oldTurnTail[3] with { Seq = 4 }); // a late event of turn 1: superseded
        h.Subscription.Publish([.. answer.Events.Skip(5)]);
        var done = await h.FinishAsync();
        Assert.Equal("The first worker wrote the rest, resumed.", done.Text);
        Assert.Equal(answer.FinalText, h.Text);
    }

    [Fact]
    public async Task Follow_TakeoverArrivesBeforeTheOldTurnsHoleFills_AppliesTheNewTurn()
    {
        var answer = new AnswerScript();
        answer.StartTurn(1, 0);
        answer.Delta("abc");
        answer.Delta("def"); // never delivered
        answer.Delta("ghi");
        answer.StartTurn(2, 3);
        answer.Delta("XYZ");
        answer.End(StreamEventTypes.TurnCompleted);
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();

        h.Subscription.Publish(answer.Events[0], answer.Events[1], answer.Events[3], answer.Events[4], answer.Events[5], answer.Events[6]);
        var done = await h.FinishAsync();

        Assert.Equal("abcXYZ", done.Text);
        Assert.Equal("abcXYZ", h.Text);
        Assert.Equal(1, server.Fetches);
    }

    [Fact]
    public async Task Follow_ToolEvents_AreReportedInOrderBetweenText()
    {
        var answer = AnswerScript.Streamed(["It is ", "12:00 UTC."], toolsBeforePiece: new() { [0] = "get_current_time" });
        await using var h = new FollowerHarness(new FakeChatServer(answer));
        await h.NextOfAsync<FollowingMessage>();

        h.Subscription.Publish([.. answer.Events]);
        await h.FinishAsync();

        var kinds = h.Seen.Select(u => u.GetType().Name).Where(n => n != nameof(FollowingMessage)).ToArray();
        Assert.Equal([nameof(AnswerStarted), nameof(ToolCallStarted), nameof(ToolCallFinished), nameof(TextAppended), nameof(TextAppended), nameof(MessageCompleted)], kinds);
        var started = h.Seen.OfType<ToolCallStarted>().Single();
        var finished = h.Seen.OfType<ToolCallFinished>().Single();
        Assert.Equal("get_current_time", started.Name);
        Assert.Equal(started.ToolUseId, finished.ToolUseId);
        Assert.Equal("success", finished.Status);
    }

    [Fact]
    public async Task Follow_ChecksumMismatch_RefetchesAndEndsWithTheStoredText()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();

        // A corrupted piece (same length, different characters): only the checksum can tell.
        var events = answer.Events.ToList();
        var bad = (TextDelta)events[3];
        events[3] = bad with { Text = bad.Text.ToUpperInvariant() };
        h.Subscription.Publish([.. events.Take(events.Count - 1)]);
        await h.WaitIdleAsync();
        Assert.NotEqual(answer.FinalText, h.Text);

        answer.CheckpointAll();
        h.Subscription.Publish(events[^1]);
        var reset = await h.NextOfAsync<TextReset>();
        var done = await h.FinishAsync();

        Assert.Equal(ResyncReason.ChecksumMismatch, reset.Reason);
        Assert.Equal(answer.FinalText, done.Text);
        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(2, server.Fetches);
    }

    [Fact]
    public async Task Follow_ChecksumMismatchBeforeStorageIsFinal_RetriesUntilFinal()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();
        var events = answer.Events.ToList();
        var bad = (TextDelta)events[2];
        events[2] = bad with { Text = bad.Text.ToUpperInvariant() };
        answer.CheckpointIndex = events.Count - 2; // everything but the terminal write
        h.Subscription.Publish([.. events]);

        // The forced (not yet final) snapshot fixes the text, so the waiting terminal event then verifies.
        var reset = await h.NextOfAsync<TextReset>();
        var done = await h.FinishAsync();
        Assert.Equal(ResyncReason.ChecksumMismatch, reset.Reason);
        Assert.Equal(answer.FinalText, done.Text);
        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(2, server.Fetches);
    }

    [Fact]
    public async Task Follow_UnknownEventTypesAndFields_AreSkippedWithoutLosingTheSequence()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();

        // Shift seq by one after seq 2 and insert a future event type at seq 3.
        var events = answer.Events.Take(3).ToList();
        h.Subscription.Publish([.. events]);
        h.Subscription.PublishRaw("""{"v":2,"type":"reasoning.delta","conversationId":"conv-1","messageId":"msg-a1","turn":1,"seq":3,"text":"hmm","futureField":{"x":1}}""");
        foreach (var e in answer.Events.Skip(3))
        {
            var shifted = e with { Seq = e.Seq + 1 };
            h.Subscription.PublishRaw(ScriptedSubscription.ToJson(shifted).Replace("{\"v\":1,", "{\"v\":1,\"extra\":[1,2],", StringComparison.Ordinal));
        }

        await h.FinishAsync();
        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(1, server.Fetches);
    }

    [Fact]
    public async Task Follow_MalformedAndForeignEvents_AreIgnored()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();

        h.Subscription.PublishRaw("not json");
        h.Subscription.PublishRaw("\"a plain string event\"");
        h.Subscription.PublishRaw("""{"type":"text.delta","seq":1}""");
        h.Subscription.Publish(answer.Events[1] with { ConversationId = "other-conv" });
        h.Subscription.Publish([.. answer.Events]);
        await h.FinishAsync();

        Assert.Equal(answer.FinalText, h.Text);
        Assert.Equal(1, server.Fetches);
    }

    [Theory]
    [InlineData(StreamEventTypes.TurnFailed)]
    [InlineData(StreamEventTypes.TurnCancelled)]
    public async Task Follow_FailedOrCancelledTurn_EndsWithThePartialText(string terminal)
    {
        var answer = AnswerScript.Streamed(["Partial ", "answer"], terminal);
        await using var h = new FollowerHarness(new FakeChatServer(answer));
        await h.NextOfAsync<FollowingMessage>();
        h.Subscription.Publish([.. answer.Events]);
        var done = await h.FinishAsync();

        Assert.Equal("Partial answer", done.Text);
        if (terminal == StreamEventTypes.TurnFailed)
        {
            var failed = Assert.IsType<MessageFailed>(done);
            Assert.Equal(MessageStatus.Interrupted, failed.Status);
            Assert.Equal("ModelStreamError", failed.ErrorCode);
            Assert.True(failed.Retryable);
        }
        else
        {
            Assert.IsType<MessageCancelled>(done);
        }
    }

    [Fact]
    public async Task Follow_LostTerminalEvent_IdleCheckFindsTheFinalSnapshot()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        var options = new CatchUpOptions { IdleResnapshotAfter = TimeSpan.FromSeconds(15) };
        await using var h = new FollowerHarness(server, options: options);
        await h.NextOfAsync<FollowingMessage>();
        h.Subscription.Publish([.. answer.Events.SkipLast(1)]);
        answer.CheckpointAll();

        var before = h.Clock.GetUtcNow();
        await h.RunClockToNextDeadlineAsync();
        var done = await h.FinishAsync();

        Assert.Equal(TimeSpan.FromSeconds(15), h.Clock.GetUtcNow() - before);
        Assert.Equal(answer.FinalText, done.Text);
        Assert.Equal(ResyncReason.Idle, h.Seen.OfType<Resynced>().Single().Reason);
    }

    [Fact]
    public async Task Follow_TransientSnapshotFailure_IsRetriedAfterBackoff()
    {
        var answer = Answer();
        var server = new FakeChatServer(answer);
        await using var h = new FollowerHarness(server);
        await h.NextOfAsync<FollowingMessage>();
        h.Subscription.Publish([.. answer.Events.Take(2)]);
        await h.WaitIdleAsync();

        server.FetchFailures.Enqueue(ChatClientErrors.Unreachable(new Uri("http://127.0.0.1:9/graphql"), new HttpRequestException("refused")));
        answer.CheckpointIndex = 6;
        h.Subscription.Reconnect();
        await h.WaitIdleAsync();
        Assert.Equal(2, server.Fetches);

        await h.RunClockToNextDeadlineAsync();
        var resynced = h.Seen.OfType<Resynced>().Single();
        Assert.Equal(ResyncReason.Reconnected, resynced.Reason);
        Assert.Equal(answer.TextThrough(6), h.Text);
    }

    [Fact]
    public async Task Follow_SubscriptionFails_ThrowsConnectionError()
    {
        var answer = Answer();
        await using var h = new FollowerHarness(new FakeChatServer(answer));
        await h.NextOfAsync<FollowingMessage>();

        h.Subscription.Fail(new IOException("socket closed by peer"));
        var error = await Assert.ThrowsAsync<ChatConnectionException>(h.DrainToEndAsync);
        Assert.Contains("/chat/conv-1", error.Message, StringComparison.Ordinal);
        Assert.Equal(ChatErrorKind.Connection, error.Kind);
    }

    [Fact]
    public async Task Follow_UnknownConversation_ThrowsNotFound()
    {
        var server = new FakeChatServer(Answer()) { Exists = false };
        await using var h = new FollowerHarness(server);

        var error = await Assert.ThrowsAsync<GraphQLRequestException>(h.DrainToEndAsync);
        Assert.Equal(GraphQLErrorTypes.NotFound, error.ErrorType);
        Assert.Equal(ChatErrorKind.Rejected, error.Kind);
    }

    [Fact]
    public async Task Follow_WithoutMessageId_FollowsTheActiveMessage()
    {
        var done = AnswerScript.Streamed(["old answer"], messageId: "msg-a0");
        done.CheckpointAll();
        var server = new FakeChatServer(done);
        var running = Answer();
        running.CheckpointIndex = 2;
        server.AddAnswer(running);
        await using var h = new FollowerHarness(server, new FollowRequest(FakeChatServer.ConversationId));

        var following = await h.NextOfAsync<FollowingMessage>();
        Assert.Equal(FakeChatServer.MessageId, following.MessageId);
        h.Subscription.Publish([.. running.Events]);
        await h.FinishAsync();
        Assert.Equal(running.FinalText, h.Text);
    }

    [Fact]
    public async Task Follow_FollowNewMessages_SwitchesToTheNextAnswer()
    {
        var first = AnswerScript.Streamed(["first answer"], messageId: "msg-a0");
        first.CheckpointAll();
        var server = new FakeChatServer(first);
        await using var h = new FollowerHarness(server, new FollowRequest(FakeChatServer.ConversationId) { FollowNewMessages = true });
        Assert.Equal("msg-a0", (await h.NextOfAsync<FollowingMessage>()).MessageId);
        await h.NextOfAsync<MessageCompleted>();

        var second = AnswerScript.Streamed(["second ", "answer"], messageId: "msg-a2");
        server.AddAnswer(second);
        h.Subscription.Publish(second.Events[0]);
        var following = await h.NextOfAsync<FollowingMessage>();
        Assert.Equal("msg-a2", following.MessageId);
        h.Subscription.Publish([.. second.Events]);
        var done = await h.NextOfAsync<MessageCompleted>();

        Assert.Equal("second answer", done.Text);
        Assert.Equal("second answer", h.Text);
        Assert.False(h.Ended);
    }

    [Fact]
    public async Task Follow_MessageOlderThanTheSnapshotWindow_FetchesTheWholeConversation()
    {
        var old = AnswerScript.Streamed(["old"], messageId: "msg-old");
        old.CheckpointAll();
        var server = new FakeChatServer(old);
        for (var i = 0; i < 6; i++)
        {
            var a = AnswerScript.Streamed([$"answer {i}"], messageId: $"msg-n{i}");
            a.CheckpointAll();
            server.AddAnswer(a);
        }

        await using var h = new FollowerHarness(server, new FollowRequest(FakeChatServer.ConversationId) { MessageId = "msg-old" });
        var done = await h.FinishAsync();

        Assert.Equal("old", done.Text);
        Assert.Equal([10, null], server.FetchLimits);
    }
}
