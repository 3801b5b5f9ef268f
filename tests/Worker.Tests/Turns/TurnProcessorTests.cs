using System.Net;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Tests.Fakes;
using AppSyncChat.Worker.Turns;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using static AppSyncChat.Worker.Tests.Fakes.ModelStep;

namespace AppSyncChat.Worker.Tests.Turns;

public sealed class TurnProcessorTests
{
    [Fact]
    public async Task Turn_StreamsToTheEnd_StoresCompletedWithUsageAndChecksum()
    {
        var h = new TurnHarness(new FakeChatClient([Text("Once"), Text(" upon"), Text(" a time."), Usage(12, 4), Finish(ChatFinishReason.Stop)]));

        var result = await h.RunAsync();

        Assert.Equal(TurnResultKind.Finished, result.Kind);
        Assert.False(result.RetryRecord);
        var outcome = h.Store.Outcome!;
        Assert.Equal(MessageStatus.Completed, outcome.Status);
        Assert.Equal("Once upon a time.", outcome.Text);
        Assert.Equal(TextChecksum.Of("Once upon a time."), outcome.Checksum);
        Assert.Equal(new TokenUsage(12, 4, 16), outcome.Usage);
        Assert.Equal("end_turn", outcome.StopReason);
        var viewer = Viewer.Replay(h.Events);
        Assert.Equal(outcome.Text, viewer.Text);
        var completed = Assert.IsType<TurnCompleted>(viewer.Terminal);
        Assert.Equal(outcome.Seq, completed.Seq);
        Assert.Equal(new TokenUsage(12, 4, 16), completed.Usage);
        var started = Assert.IsType<TurnStarted>(h.Events[0]);
        Assert.Equal(TurnHarness.ModelId, started.ModelId);
        Assert.Equal(1_700_000_000_000, started.RequestedAtMs);
        Assert.All(h.Publisher.Publishes, p => Assert.Equal("/chat/conv-1", p.Channel));
    }

    [Fact]
    public async Task Turn_SendsBoundedHistoryAndTools_ToTheModel()
    {
        var h = new TurnHarness(new FakeChatClient([Text("ok")]));
        h.Request = h.Request with { Settings = new() { SystemPrompt = "Be brief.", MaxTokens = 100, ModelId = "us.anthropic.claude-3-7-sonnet-20250219-v1:0" } };

        await h.RunAsync();

        var (messages, options) = h.Chat.Requests[0];
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], messages.Select(m => m.Role));
        Assert.Equal("Tell me a story", messages[^1].Text);
        Assert.Equal("us.anthropic.claude-3-7-sonnet-20250219-v1:0", options!.ModelId);
        Assert.Equal(100, options.MaxOutputTokens);
        Assert.Equal(["get_current_time", "calculate"], options.Tools!.Select(t => t.Name));
        Assert.Equal(1, h.Store.Claims[0].Turn);
        Assert.Equal(h.Deadline - h.Options.LeaseMargin, h.Store.Claims[0].Lease.ExpiresAt);
    }

    [Fact]
    public async Task Turn_WithoutAMaxTokensSetting_SendsTheConfiguredDefault()
    {
        var h = new TurnHarness(new FakeChatClient([Text("ok")]), new TurnOptions { ModelMaxTokens = 777 });

        await h.RunAsync();

        Assert.Equal(777, h.Chat.Requests[0].Options!.MaxOutputTokens);
    }

    [Fact]
    public async Task Cancel_IsNoticedWithinThePollInterval_StopsTheModel_KeepsThePartialText()
    {
        var h = new TurnHarness(new FakeChatClient([Text("Hello"), Hang()]));
        var run = h.StartAsync();
        await h.TextDeliveredAsync("Hello");

        h.Store.RequestCancel();
        var cancelledAt = h.Time.GetTimestamp();
        var result = await h.RunWithClockAsync(run, TimeSpan.FromMilliseconds(10));

        Assert.True(h.Time.GetElapsedTime(cancelledAt) <= h.Options.CancelPollInterval + TimeSpan.FromMilliseconds(10));
        Assert.True(h.Chat.SawCancellation);
        Assert.Equal(MessageStatus.Cancelled, result.Status);
        Assert.Equal("Hello", h.Store.Outcome!.Text);
        var cancelled = Assert.IsType<TurnCancelled>(Viewer.Replay(h.Events).Terminal);
        Assert.Equal(5, cancelled.Length);
    }

    [Fact]
    public async Task CancelPollAndCheckpointFailures_AreWarnings_EscalateWhenConsecutive_AndTheFinalLineCountsThem()
    {
        var gate = new TaskCompletionSource();
        var h = new TurnHarness(new FakeChatClient([Text("Partial"), Wait(gate), Text(" answer."), Finish(ChatFinishReason.Stop)]));
        // The read right after the claim works; every poll after it fails, and so does every checkpoint.
        h.Store.CancelPollThrows = n => n > 1 ? new IOException("store unreachable") : null;
        h.Store.CheckpointThrows = _ => new IOException("store unreachable");
        var run = h.StartAsync();
        await h.TextDeliveredAsync("Partial");

        await h.Time.AdvanceUntilAsync(() => h.Store.CancelPolls >= 9 && h.Store.CheckpointsSnapshot().Count >= 4, TimeSpan.FromMilliseconds(50));
        gate.SetResult();
        var result = await h.RunWithClockAsync(run);

        Assert.Equal(MessageStatus.Completed, result.Status);
        var lines = h.Log.Lines;
        Assert.Contains(lines, l => l.Level == LogLevel.Warning && l.Message.Contains("cancel flag", StringComparison.Ordinal) && l.Message.Contains("1 in a row", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Level == LogLevel.Warning && l.Message.StartsWith("Checkpoint failed", StringComparison.Ordinal) && l.Message.Contains("1 in a row", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Level == LogLevel.Error && l.Message.Contains("stopGeneration cannot be seen", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Level == LogLevel.Error && l.Message.Contains("late joiners", StringComparison.Ordinal));
        var final = Assert.Single(lines, l => l.Message.StartsWith("Turn ended", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, final.Level);
        var polls = h.Store.CancelPolls - 1;
        var checkpoints = h.Store.CheckpointsSnapshot().Count;
        Assert.Contains($"{checkpoints} checkpoint failures", final.Message, StringComparison.Ordinal);
        Assert.Contains($"{polls} cancel-poll failures", final.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHealthyTurn_EndsWithAnInformationLine_CountingNoFailures()
    {
        var h = new TurnHarness(new FakeChatClient([Text("Fine."), Finish(ChatFinishReason.Stop)]));

        await h.RunAsync();

        var final = Assert.Single(h.Log.Lines, l => l.Message.StartsWith("Turn ended", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, final.Level);
        Assert.Contains("0 checkpoint failures, 0 cancel-poll failures", final.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_RequestedBeforeTheTurnStarts_EndsItWithoutCallingTheModel()
    {
        var h = new TurnHarness(new FakeChatClient([Text("never")]));
        h.Store.RequestCancel();

        await h.RunAsync();

        Assert.Equal(0, h.Chat.Calls);
        Assert.Equal(MessageStatus.Cancelled, h.Store.Outcome!.Status);
        Assert.Equal([StreamEventTypes.TurnStarted, StreamEventTypes.TurnCancelled], h.Events.Select(TypeOf));
    }

    [Fact]
    public async Task FirstByteTimeout_EndsTheTurnFailed_ModelTimeout()
    {
        var h = new TurnHarness(new FakeChatClient([Hang()]), new TurnOptions { FirstByteTimeout = TimeSpan.FromSeconds(5) });

        var result = await h.RunWithClockAsync(step: TimeSpan.FromMilliseconds(100));

        Assert.Equal(MessageStatus.Failed, result.Status);
        var failed = Assert.IsType<TurnFailed>(Viewer.Replay(h.Events).Terminal);
        Assert.Equal(TurnErrorCodes.ModelTimeout, failed.ErrorCode);
        Assert.True(failed.Retryable);
        Assert.Equal(TurnErrorCodes.ModelTimeout, h.Store.Outcome!.Error!.Code);
        Assert.InRange(h.Time.GetElapsedTime(0), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5.5));
    }

    [Fact]
    public async Task Stall_AfterText_EndsTheTurnInterrupted_ModelStalled_KeepingTheText()
    {
        var h = new TurnHarness(new FakeChatClient([Text("Half an"), Hang()]), new TurnOptions { BetweenBytesTimeout = TimeSpan.FromSeconds(2) });

        var result = await h.RunWithClockAsync(step: TimeSpan.FromMilliseconds(100));

        Assert.Equal(MessageStatus.Interrupted, result.Status);
        var failed = Assert.IsType<TurnFailed>(Viewer.Replay(h.Events).Terminal);
        Assert.Equal(TurnErrorCodes.ModelStalled, failed.ErrorCode);
        Assert.Equal("Half an", h.Store.Outcome!.Text);
        Assert.InRange(h.Time.GetElapsedTime(0), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.5));
    }

    [Fact]
    public async Task Deadline_EndsTheTurnBeforeTheLambdaDeadline_DeadlineExceeded()
    {
        var h = new TurnHarness(new FakeChatClient([Text("Long"), Hang()]), new TurnOptions { DeadlineMargin = TimeSpan.FromSeconds(3), BetweenBytesTimeout = TimeSpan.FromMinutes(5) });
        h.Deadline = h.Time.GetUtcNow() + TimeSpan.FromSeconds(10);

        var result = await h.RunWithClockAsync(step: TimeSpan.FromMilliseconds(100));

        Assert.Equal(MessageStatus.Interrupted, result.Status);
        Assert.Equal(TurnErrorCodes.DeadlineExceeded, h.Store.Outcome!.Error!.Code);
        Assert.InRange(h.Time.GetElapsedTime(0), TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7.2));
        Assert.True(h.Time.GetUtcNow() < h.Deadline - h.Options.LeaseMargin, "the final state is written while the lease is still held");
    }

    [Fact]
    public async Task Deadline_TooCloseToStart_RetriesTheRecordWithoutClaiming()
    {
        var h = new TurnHarness(new FakeChatClient([Text("x")]));
        h.Deadline = h.Time.GetUtcNow() + TimeSpan.FromSeconds(3.5);

        var result = await h.RunAsync();

        Assert.True(result.RetryRecord);
        Assert.Empty(h.Store.Claims);
    }

    [Fact]
    public async Task Throttling_BeforeText_IsRetriedWithBackoff_ThenStreams()
    {
        var throttled = new HttpRequestException("slow down", null, HttpStatusCode.TooManyRequests);
        var h = new TurnHarness(new FakeChatClient([Throw(throttled)], [Throw(throttled)], [Text("Finally."), Finish(ChatFinishReason.Stop)]));

        var result = await h.RunWithClockAsync(step: TimeSpan.FromMilliseconds(25));

        Assert.Equal(MessageStatus.Completed, result.Status);
        Assert.Equal(3, h.Chat.Calls);
        Assert.Equal("Finally.", h.Store.Outcome!.Text);
        Assert.Single(h.Events.OfType<TurnStarted>());
        Assert.True(h.Time.GetElapsedTime(0) >= TimeSpan.FromMilliseconds(250 + 500), "jittered exponential backoff between attempts");
    }

    [Fact]
    public async Task Throttling_BeyondTheAttempts_FailsRetryable_ModelThrottled()
    {
        var throttled = new HttpRequestException("slow down", null, HttpStatusCode.TooManyRequests);
        var h = new TurnHarness(new FakeChatClient([Throw(throttled)], [Throw(throttled)]), new TurnOptions { ModelMaxAttempts = 2 });

        var result = await h.RunWithClockAsync(step: TimeSpan.FromMilliseconds(25));

        Assert.Equal(MessageStatus.Failed, result.Status);
        var failed = Assert.IsType<TurnFailed>(Viewer.Replay(h.Events).Terminal);
        Assert.Equal(TurnErrorCodes.ModelThrottled, failed.ErrorCode);
        Assert.True(failed.Retryable);
        Assert.Equal(2, h.Chat.Calls);
    }

    [Fact]
    public async Task ModelError_AfterText_IsNotRetried_EndsInterruptedRetryable_KeepingText()
    {
        var h = new TurnHarness(new FakeChatClient(
            [Text("Partial answer"), Throw(new HttpRequestException("boom", null, HttpStatusCode.InternalServerError))],
            [Text("must not be called")]));

        var result = await h.RunAsync();

        Assert.Equal(MessageStatus.Interrupted, result.Status);
        Assert.Equal(1, h.Chat.Calls);
        var failed = Assert.IsType<TurnFailed>(Viewer.Replay(h.Events).Terminal);
        Assert.Equal(MessageStatus.Interrupted, failed.Status);
        Assert.True(failed.Retryable);
        Assert.Equal("Partial answer", h.Store.Outcome!.Text);
        Assert.Equal(14, failed.Length);
    }

    [Fact]
    public async Task PermanentModelError_BeforeText_FailsAtOnce_NotRetryable()
    {
        var h = new TurnHarness(new FakeChatClient([Throw(new HttpRequestException("bad request", null, HttpStatusCode.BadRequest))]));

        var result = await h.RunAsync();

        Assert.Equal(MessageStatus.Failed, result.Status);
        Assert.Equal(1, h.Chat.Calls);
        Assert.False(h.Store.Outcome!.Error!.Retryable);
        Assert.Equal("", h.Store.Outcome.Text);
    }

    [Theory]
    [InlineData(ClaimStatus.AlreadyFinal, false)]
    [InlineData(ClaimStatus.LeaseHeld, true)]
    [InlineData(ClaimStatus.NotFound, false)]
    public async Task DuplicateOrMissing_DoesNotGenerate(ClaimStatus status, bool retryRecord)
    {
        var h = new TurnHarness(new FakeChatClient([Text("second generation")]));
        h.Store.Claim = new ClaimResult(status, status == ClaimStatus.NotFound ? null : FakeTurnStore.Assistant("a1", "done"));

        var result = await h.RunAsync();

        Assert.Equal(retryRecord, result.RetryRecord);
        Assert.Equal(0, h.Chat.Calls);
        Assert.Empty(h.Publisher.Publishes);
        Assert.Null(h.Store.Outcome);
    }

    [Fact]
    public async Task Takeover_Restart_BeginsANewTurnAtOffsetZero_ViewersResetToTheNewAnswer()
    {
        var h = new TurnHarness(new FakeChatClient([Text("A fresh answer.")]));
        h.Store.Claim = new ClaimResult(ClaimStatus.TakenOver, FakeTurnStore.Assistant("a1", "A stale part", MessageStatus.Streaming, turn: 1));

        await h.RunAsync();

        var started = Assert.IsType<TurnStarted>(h.Events[0]);
        Assert.Equal(2, started.Turn);
        Assert.Equal(0, started.Offset);
        Assert.Equal(new Checkpoint("", 0, 2), h.Store.Checkpoints[0]);
        Assert.Equal(2, h.Store.Outcome!.Turn);
        Assert.Equal("A fresh answer.", h.Store.Outcome.Text);
        var viewer = new Viewer();
        viewer.Apply(new TurnStarted { ConversationId = "conv-1", MessageId = "a1", Turn = 1, Seq = 0, Offset = 0 });
        viewer.Apply(new TextDelta { ConversationId = "conv-1", MessageId = "a1", Turn = 1, Seq = 1, Offset = 0, Text = "A stale part" });
        foreach (var e in h.Events)
        {
            viewer.Apply(e);
        }

        Assert.Equal("A fresh answer.", viewer.Text);
    }

    [Fact]
    public async Task Takeover_Continue_KeepsTheStoredText_AndAsksTheModelToContinueIt()
    {
        var h = new TurnHarness(new FakeChatClient([Text(", the end.")]), new TurnOptions { TakeoverMode = TakeoverMode.Continue });
        h.Store.Claim = new ClaimResult(ClaimStatus.TakenOver, FakeTurnStore.Assistant("a1", "Once upon a time \n", MessageStatus.Streaming, turn: 3));

        await h.RunAsync();

        var started = Assert.IsType<TurnStarted>(h.Events[0]);
        Assert.Equal(4, started.Turn);
        Assert.Equal("Once upon a time".Length, started.Offset);
        var prompt = h.Chat.Requests[0].Messages;
        Assert.Equal(ChatRole.Assistant, prompt[^1].Role);
        Assert.Equal("Once upon a time", prompt[^1].Text);
        Assert.Equal("Once upon a time, the end.", h.Store.Outcome!.Text);
        Assert.Equal("Once upon a time, the end.", Viewer.Replay(h.Events, "Once upon a time \n").Text);
    }

    [Fact]
    public async Task Checkpoints_AboutOnceASecond_OnlyWhenSomethingChanged_NeverPerToken()
    {
        var gate = new TaskCompletionSource();
        var steps = new List<ModelStep>();
        steps.AddRange(Enumerable.Range(0, 500).Select(i => Text($"t{i} ")));
        steps.Add(ModelStep.Wait(gate));
        steps.Add(Text("more"));
        steps.Add(Hang());
        var h = new TurnHarness(new FakeChatClient([.. steps]));
        var run = h.StartAsync();
        await h.Time.AdvanceUntilAsync(() => h.Events.OfType<TextDelta>().Any(d => d.Text.EndsWith("t499 ", StringComparison.Ordinal)), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(0.5));

        var lastDelta = h.Events.OfType<TextDelta>().Last();

        // The first checkpoint follows the first published text, so it may hold anything from "t0 " to all 500
        // tokens, depending on how far the model got when it was written. Within one interval a checkpoint holds
        // all of it, at the seq of the last delta; 500 tokens never cost more than these two writes.
        await h.Time.AdvanceUntilAsync(() => h.Store.CheckpointsSnapshot() is [.., var last] && last.Seq == lastDelta.Seq, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1.2));
        var afterStream = h.Store.CheckpointsSnapshot().Count;
        Assert.InRange(afterStream, 1, 2);

        // Nothing changes for two intervals: no checkpoint is written.
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await ManualTimeProvider.SettleAsync();
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await ManualTimeProvider.SettleAsync();
        Assert.Equal(afterStream, h.Store.CheckpointsSnapshot().Count);

        gate.SetResult();
        await h.Time.AdvanceUntilAsync(() => h.Events.OfType<TextDelta>().Any(d => d.Text.EndsWith("more", StringComparison.Ordinal)), TimeSpan.FromMilliseconds(10));
        await h.Time.AdvanceUntilAsync(() => h.Store.CheckpointsSnapshot().Count == afterStream + 1, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1.2));
        h.Store.RequestCancel();
        await h.RunWithClockAsync(run);

        var checkpoints = h.Store.CheckpointsSnapshot();
        Assert.EndsWith("t499 ", checkpoints[afterStream - 1].Text);
        Assert.EndsWith("more", checkpoints[afterStream].Text);
        Assert.True(checkpoints[afterStream].Seq > checkpoints[afterStream - 1].Seq);
        Assert.All(checkpoints, c => Assert.Equal(1, c.Turn));
    }

    [Fact]
    public async Task FirstCheckpoint_FollowsTheFirstPublishedText_WithoutWaitingAnInterval()
    {
        var h = new TurnHarness(new FakeChatClient([Text("Hello"), Hang()]));
        var run = h.StartAsync();

        // No clock movement: a late joiner's snapshot must hold the first text before the first interval passes.
        await Eventually.TrueAsync(() => h.Store.CheckpointsSnapshot().Count == 1, "the first checkpoint");
        Assert.Equal(TimeSpan.Zero, h.Time.GetElapsedTime(0));
        var first = h.Store.CheckpointsSnapshot()[0];
        Assert.Equal("Hello", first.Text);
        Assert.Equal(1, first.Seq);

        h.Store.RequestCancel();
        await h.RunWithClockAsync(run);
    }

    [Fact]
    public async Task LeaseLost_AtACheckpoint_StopsQuietly_WithoutATerminalEventOrFinalWrite()
    {
        var h = new TurnHarness(new FakeChatClient([Text("mine"), Hang()]));
        h.Store.CheckpointLeaseLost = true;

        var result = await h.RunWithClockAsync(step: TimeSpan.FromMilliseconds(100));

        Assert.Equal(TurnResultKind.LeaseLost, result.Kind);
        Assert.False(result.RetryRecord);
        Assert.Null(h.Store.Outcome);
        Assert.DoesNotContain(h.Events, e => e is TurnCompleted or TurnFailed or TurnCancelled);
        Assert.True(h.Chat.SawCancellation);
    }

    [Fact]
    public async Task FinalWrite_FailingRepeatedly_RetriesTheRecord()
    {
        var h = new TurnHarness(new FakeChatClient([Text("done")]));
        h.Store.FinishThrows = () => new IOException("DynamoDB unavailable");

        var result = await h.RunWithClockAsync(step: TimeSpan.FromMilliseconds(50));

        Assert.True(result.RetryRecord);
        Assert.DoesNotContain(h.Events, e => e is TurnCompleted or TurnFailed or TurnCancelled);
    }

    [Fact]
    public async Task FinalWrite_StoredButConversationNotReleased_AnnouncesTheEnd_AndRetriesTheRecord()
    {
        // The fault campaign's finding: the message was final but viewers got no terminal event and learnt the
        // end only from their 15 s idle re-check. The redelivered record repairs the conversation.
        var h = new TurnHarness(new FakeChatClient([Text("done")]));
        h.Store.FinishThrows = () => new ConversationNotReleasedException("conv-1", new IOException("DynamoDB unavailable"));

        var result = await h.RunWithClockAsync(step: TimeSpan.FromMilliseconds(50));

        Assert.True(result.RetryRecord);
        var completed = Assert.IsType<TurnCompleted>(h.Events[^1]);
        Assert.Equal("done".Length, completed.Length);
    }

    [Fact]
    public async Task TerminalEvent_IsPublishedOnlyAfterTheFinalStateIsStored()
    {
        var h = new TurnHarness(new FakeChatClient([Text("Stored first.")]));
        bool? storedWhenAnnounced = null;
        h.Publisher.ThrowOn = call =>
        {
            if (h.Publisher.Publishes[call].Events.Any(e => e.Contains("\"turn.completed\"", StringComparison.Ordinal)))
            {
                storedWhenAnnounced = h.Store.Outcome is not null;
            }

            return null;
        };

        await h.RunAsync();

        Assert.True(storedWhenAnnounced);
        Assert.IsType<TurnCompleted>(h.Events[^1]);
    }

    [Fact]
    public async Task HistoryWithoutAUserMessage_FailsTheTurn_NotRetryable()
    {
        var h = new TurnHarness(new FakeChatClient([Text("x")]));
        h.Store.History.Clear();

        var result = await h.RunAsync();

        Assert.Equal(MessageStatus.Failed, result.Status);
        Assert.Equal(TurnErrorCodes.InvalidConversation, h.Store.Outcome!.Error!.Code);
        Assert.Equal(0, h.Chat.Calls);
    }

    private static string TypeOf(StreamEvent e) => e switch
    {
        TurnStarted => StreamEventTypes.TurnStarted,
        TextDelta => StreamEventTypes.TextDelta,
        ToolStarted => StreamEventTypes.ToolStarted,
        ToolFinished => StreamEventTypes.ToolFinished,
        TurnCompleted => StreamEventTypes.TurnCompleted,
        TurnFailed => StreamEventTypes.TurnFailed,
        TurnCancelled => StreamEventTypes.TurnCancelled,
        _ => "unknown",
    };
}
