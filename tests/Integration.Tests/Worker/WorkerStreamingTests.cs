using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Integration.Tests.Fixtures;
using Xunit.Abstractions;
using AppSyncChat.Worker.Turns;

namespace AppSyncChat.Integration.Tests.Worker;

/// <summary>The Worker end to end against the Local stack: Bedrock emulator, dynalite, AppSync Events emulator, WebSocket viewers.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class WorkerStreamingTests(LocalStackFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ThreeViewersAndALateJoiner_AllEndWithExactlyTheStoredText()
    {
        using var bed = new WorkerTestBed(fixture);
        var marker = LiveStream.NewMarker();
        var request = await bed.SeedTurnAsync($"Tell me about rivers and mountains {marker} [[tokens=300]] [[rate=300]]");
        var viewers = new List<CatchUpViewer>();
        for (var i = 0; i < 3; i++)
        {
            viewers.Add(await bed.ViewerAsync(request));
        }

        var delivery = bed.DeliverAsync(request);
        await viewers[0].FirstText.Task.WaitAsync(Patience);
        await Task.Delay(300); // let the answer run on a while (a checkpoint lands) before the late joiner arrives
        viewers.Add(await bed.ViewerAsync(request, withSnapshot: true));

        Assert.Empty(await delivery.WaitAsync(Patience));
        var stored = await bed.MessageAsync(request);
        Assert.Equal(MessageStatus.Completed, stored.Status);
        Assert.True(stored.Text.Length > 500, "the answer should span many events");
        foreach (var viewer in viewers)
        {
            var terminal = Assert.IsType<TurnCompleted>(await viewer.Terminal.WaitAsync(Patience));
            Assert.Equal(stored.Text, viewer.Text);
            Assert.Equal(stored.Checksum, terminal.Checksum);
            await viewer.DisposeAsync();
        }

        await bed.AssertFlowedAsync(marker, [.. viewers]);
        var events = viewers[0].Events;
        output.WriteLine($"300 tokens at 300/s: {events.Count} events ({events.OfType<TextDelta>().Count()} text) for {stored.Text.Length} characters; late joiner gaps: {viewers[3].Gaps}");
        Assert.True(events.OfType<TextDelta>().Count() < 300 / 4, $"coalescing: {events.OfType<TextDelta>().Count()} text events for 300 tokens");
        Assert.NotNull(stored.Usage);
        Assert.Equal("end_turn", stored.StopReason);
    }

    [Fact]
    public async Task ViewerReconnectingMidAnswer_CatchesUpFromTheSnapshot()
    {
        using var bed = new WorkerTestBed(fixture);
        var request = await bed.SeedTurnAsync("Explain the tides [[tokens=900]] [[rate=300]]");
        var first = await bed.ViewerAsync(request);
        var delivery = bed.DeliverAsync(request);
        await first.FirstText.Task.WaitAsync(Patience);
        var seenBeforeDrop = first.Text;
        await first.DisposeAsync(); // the tab went away mid-answer
        await Task.Delay(1200); // events published meanwhile are lost to it; a checkpoint is written

        await using var again = await bed.ViewerAsync(request, withSnapshot: true);
        Assert.StartsWith(seenBeforeDrop, again.Text, StringComparison.Ordinal);
        Assert.Empty(await delivery.WaitAsync(Patience));
        await again.Terminal.WaitAsync(Patience);

        Assert.Equal((await bed.MessageAsync(request)).Text, again.Text);
    }

    [Fact]
    public async Task ModelErrorMidStream_EndsInterrupted_ViewersKeepExactlyThePartialText()
    {
        using var bed = new WorkerTestBed(fixture);
        var request = await bed.SeedTurnAsync("Describe a forest [[tokens=200]] [[fault=stream-error]] [[at=40]]");
        await using var viewer = await bed.ViewerAsync(request);

        Assert.Empty(await bed.DeliverAsync(request).WaitAsync(Patience));

        var stored = await bed.MessageAsync(request);
        var failed = Assert.IsType<TurnFailed>(await viewer.Terminal.WaitAsync(Patience));
        Assert.Equal(MessageStatus.Interrupted, stored.Status);
        Assert.Equal(MessageStatus.Interrupted, failed.Status);
        Assert.True(failed.Retryable);
        Assert.True(stored.Text.Length > 0);
        Assert.Equal(stored.Text, viewer.Text);
    }

    [Fact]
    public async Task ThrottlingBeforeTheStream_IsRetried_ThenFailsRetryableWhenItPersists()
    {
        using var bed = new WorkerTestBed(fixture, new Dictionary<string, string> { [SettingNames.ModelMaxAttempts] = "3" });
        var request = await bed.SeedTurnAsync("Hello [[fault=throttle]]");
        await using var viewer = await bed.ViewerAsync(request);

        Assert.Empty(await bed.DeliverAsync(request).WaitAsync(Patience));

        var failed = Assert.IsType<TurnFailed>(await viewer.Terminal.WaitAsync(Patience));
        Assert.Equal(TurnErrorCodes.ModelThrottled, failed.ErrorCode);
        Assert.Equal(MessageStatus.Failed, failed.Status);
        Assert.True(failed.Retryable);
        Assert.Equal(MessageStatus.Failed, (await bed.MessageAsync(request)).Status);
    }

    [Fact]
    public async Task StallMidStream_EndsModelStalled_WithThePartialTextStored()
    {
        using var bed = new WorkerTestBed(fixture, new Dictionary<string, string> { [SettingNames.BetweenBytesTimeoutMs] = "700" });
        var request = await bed.SeedTurnAsync("Describe a desert [[tokens=100]] [[stall=10000]] [[at=20]]");
        await using var viewer = await bed.ViewerAsync(request);

        Assert.Empty(await bed.DeliverAsync(request).WaitAsync(Patience));

        var failed = Assert.IsType<TurnFailed>(await viewer.Terminal.WaitAsync(Patience));
        Assert.Equal(TurnErrorCodes.ModelStalled, failed.ErrorCode);
        var stored = await bed.MessageAsync(request);
        Assert.Equal(MessageStatus.Interrupted, stored.Status);
        Assert.Equal(stored.Text, viewer.Text);
    }

    [Fact]
    public async Task DeadlineReached_EndsDeadlineExceeded_BeforeTheInvocationEnds()
    {
        using var bed = new WorkerTestBed(fixture, ShortInvocation(deadlineMarginMs: 3000, leaseMarginMs: 500));
        var request = await bed.SeedTurnAsync("Write a long essay [[tokens=5000]] [[rate=200]]");
        await using var viewer = await bed.ViewerAsync(request);

        Assert.Empty(await bed.DeliverAsync(request, timeout: TimeSpan.FromSeconds(6)).WaitAsync(Patience));

        var failed = Assert.IsType<TurnFailed>(await viewer.Terminal.WaitAsync(Patience));
        Assert.Equal(TurnErrorCodes.DeadlineExceeded, failed.ErrorCode);
        var stored = await bed.MessageAsync(request);
        Assert.Equal(MessageStatus.Interrupted, stored.Status);
        Assert.Equal(stored.Text, viewer.Text);
    }

    [Fact]
    public async Task Cancel_MidAnswer_StopsWithinAFewHundredMilliseconds_KeepingThePartialText()
    {
        using var bed = new WorkerTestBed(fixture);
        var request = await bed.SeedTurnAsync("Count the stars [[tokens=3000]] [[rate=100]]");
        await using var viewer = await bed.ViewerAsync(request);
        var delivery = bed.DeliverAsync(request);
        await viewer.FirstText.Task.WaitAsync(Patience);

        var stopAt = DateTimeOffset.UtcNow;
        await bed.Store.RequestCancelAsync(request.ConversationId, request.AssistantMessageId, CancellationToken.None);
        var cancelled = Assert.IsType<TurnCancelled>(await viewer.Terminal.WaitAsync(Patience));
        var latency = DateTimeOffset.UtcNow - stopAt;

        Assert.Empty(await delivery.WaitAsync(Patience));
        var stored = await bed.MessageAsync(request);
        Assert.Equal(MessageStatus.Cancelled, stored.Status);
        Assert.Equal(stored.Text, viewer.Text);
        Assert.Equal(stored.Text.Length, cancelled.Length);
        Assert.True(latency < TimeSpan.FromSeconds(2), $"cancel took {latency.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task ToolTurn_PublishesToolProgress_AndAnswersWithTheToolResult()
    {
        using var bed = new WorkerTestBed(fixture, new Dictionary<string, string> { [SettingNames.DemoTools] = "true" });
        var request = await bed.SeedTurnAsync("Please calculate 2*(3+4) for me [[tool=calculate]]");
        await using var viewer = await bed.ViewerAsync(request);

        Assert.Empty(await bed.DeliverAsync(request).WaitAsync(Patience));

        Assert.IsType<TurnCompleted>(await viewer.Terminal.WaitAsync(Patience));
        var started = Assert.Single(viewer.Events.OfType<ToolStarted>());
        Assert.Equal("calculate", started.Name);
        Assert.Equal("success", Assert.Single(viewer.Events.OfType<ToolFinished>()).Status);
        var stored = await bed.MessageAsync(request);
        Assert.Contains("14", stored.Text, StringComparison.Ordinal);
        Assert.Equal(stored.Text, viewer.Text);
    }

    [Fact]
    public async Task DuplicateDelivery_WhileStreaming_GeneratesOnce_AndIsRetriedLater()
    {
        using var bed = new WorkerTestBed(fixture);
        var request = await bed.SeedTurnAsync("Talk about clouds [[tokens=200]] [[rate=200]]");
        await using var viewer = await bed.ViewerAsync(request);
        var first = bed.DeliverAsync(request, recordId: "m-first");
        await viewer.FirstText.Task.WaitAsync(Patience);

        var duplicate = await bed.DeliverAsync(request, recordId: "m-dup").WaitAsync(Patience);
        Assert.Empty(await first.WaitAsync(Patience));
        var afterward = await bed.DeliverAsync(request, recordId: "m-late").WaitAsync(Patience);

        Assert.Equal(["m-dup"], duplicate);
        Assert.Empty(afterward);
        await viewer.Terminal.WaitAsync(Patience);
        Assert.Single(viewer.Events.OfType<TurnStarted>());
        Assert.Equal((await bed.MessageAsync(request)).Text, viewer.Text);
    }

    [Fact]
    public async Task WorkerKilledMidAnswer_TheRedeliveryTakesOver_AndViewersEndWithTheStoredText()
    {
        using var bed = new WorkerTestBed(fixture, ShortInvocation(deadlineMarginMs: 3000, leaseMarginMs: 1000));
        var request = await bed.SeedTurnAsync("Tell a long story [[tokens=1500]] [[rate=150]]");
        await using var viewer = await bed.ViewerAsync(request);
        using var kill = new CancellationTokenSource();
        var doomed = bed.DeliverAsync(request, timeout: TimeSpan.FromSeconds(5), cancellationToken: kill.Token);
        await viewer.FirstText.Task.WaitAsync(Patience);
        await kill.CancelAsync(); // the process dies: no final event, the lease stays until it expires
        Assert.Single(await doomed.WaitAsync(Patience));
        Assert.Equal(MessageStatus.Streaming, (await bed.MessageAsync(request)).Status);
        await Task.Delay(TimeSpan.FromSeconds(4.5)); // the lease (deadline − 1 s) runs out; SQS redelivers

        using var survivor = new WorkerTestBed(fixture);
        var retried = await survivor.DeliverAsync(request, timeout: TimeSpan.FromMinutes(1)).WaitAsync(Patience);

        Assert.Empty(retried);
        var terminal = Assert.IsType<TurnCompleted>(await viewer.Terminal.WaitAsync(Patience));
        Assert.Equal(2, terminal.Turn);
        var stored = await bed.MessageAsync(request);
        Assert.Equal(MessageStatus.Completed, stored.Status);
        Assert.Equal(2, stored.Turn);
        Assert.Equal(stored.Text, viewer.Text);
    }

    /// <summary>
    /// Settings for an invocation of a few seconds: a publish gets one 400 ms attempt and no re-publish, so the end
    /// of a turn fits the deadline margin (the Worker checks it at start-up: response margin + 2 × 400 ms + 1 s).
    /// </summary>
    private static Dictionary<string, string> ShortInvocation(int deadlineMarginMs, int leaseMarginMs) => new()
    {
        [SettingNames.DeadlineMarginMs] = deadlineMarginMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [SettingNames.LeaseMarginMs] = leaseMarginMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [SettingNames.ResponseMarginMs] = "1000",
        [SettingNames.PublishMaxAttempts] = "1",
        [SettingNames.PublishAttemptTimeoutMs] = "400",
        [SettingNames.RepublishMaxAttempts] = "0",
    };
}
