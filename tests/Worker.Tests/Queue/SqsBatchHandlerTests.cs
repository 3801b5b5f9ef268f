using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Queue;
using AppSyncChat.Worker.Tests.Fakes;
using AppSyncChat.Worker.Tests.Turns;
using static AppSyncChat.Worker.Tests.Fakes.ModelStep;

namespace AppSyncChat.Worker.Tests.Queue;

public sealed class SqsBatchHandlerTests
{
    private static string Body(string conversationId = "conv-1", string messageId = "a1", int turn = 1) =>
        JsonSerializer.Serialize(
            new ChatTurnRequest { RequestId = "req-" + messageId, ConversationId = conversationId, UserMessageId = "u1", AssistantMessageId = messageId, Turn = turn },
            ContractsJsonContext.Default.ChatTurnRequest);

    private static SqsEventRecord Record(string id, string body) => new()
    {
        MessageId = id,
        ReceiptHandle = "rh-" + id,
        Body = body,
        Attributes = new Dictionary<string, string> { ["ApproximateReceiveCount"] = "1" },
    };

    private static SqsBatchHandler Handler(TurnHarness h) => new(h.Processor, h.Log);

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("{\"requestId\":\"r\"}")]
    [InlineData("{\"v\":1,\"requestId\":\"r\",\"conversationId\":\"bad id!\",\"userMessageId\":\"u\",\"assistantMessageId\":\"a\",\"turn\":1}")]
    [InlineData("{\"v\":1,\"requestId\":\"r\",\"conversationId\":\"c\",\"userMessageId\":\"u\",\"assistantMessageId\":\"a\",\"turn\":0}")]
    [InlineData("{\"v\":9,\"requestId\":\"r\",\"conversationId\":\"c\",\"userMessageId\":\"u\",\"assistantMessageId\":\"a\",\"turn\":1}")]
    public void Parse_PoisonBodies_AreRejectedWithAReason(string body)
    {
        var (request, problem) = SqsBatchHandler.Parse(body);

        Assert.Null(request);
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public async Task Batch_PoisonRecord_FailsAlone_TheGoodRecordCompletes()
    {
        var h = new TurnHarness(new FakeChatClient([Text("fine")]));

        var response = await Handler(h).HandleAsync(new SqsEvent([Record("m-poison", "{oops"), Record("m-good", Body())]), h.Deadline, "inv-1", CancellationToken.None);

        Assert.Equal(["m-poison"], response.BatchItemFailures.Select(f => f.ItemIdentifier));
        Assert.Equal("fine", h.Store.Outcome!.Text);
        Assert.Contains(h.Log.Lines, l => l.Message.Contains("Poison message", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Batch_RecordWhoseClaimThrows_IsRetried()
    {
        var h = new TurnHarness(new FakeChatClient());
        h.Store.ClaimThrows = new IOException("DynamoDB unavailable");

        var response = await Handler(h).HandleAsync(new SqsEvent([Record("m-1", Body())]), h.Deadline, "inv-1", CancellationToken.None);

        Assert.Equal(["m-1"], response.BatchItemFailures.Select(f => f.ItemIdentifier));
    }

    [Fact]
    public async Task Batch_DuplicateOfAFinishedTurn_Succeeds_ButALiveLeaseIsRetriedLater()
    {
        var h = new TurnHarness(new FakeChatClient());
        h.Store.Claim = new ClaimResult(ClaimStatus.AlreadyFinal, FakeTurnStore.Assistant("a1", "done"));
        var finished = await Handler(h).HandleAsync(new SqsEvent([Record("m-1", Body())]), h.Deadline, "inv-1", CancellationToken.None);
        h.Store.Claim = new ClaimResult(ClaimStatus.LeaseHeld, FakeTurnStore.Assistant("a1", "half", "STREAMING"));
        var held = await Handler(h).HandleAsync(new SqsEvent([Record("m-2", Body())]), h.Deadline, "inv-2", CancellationToken.None);

        Assert.Empty(finished.BatchItemFailures);
        Assert.Equal(["m-2"], held.BatchItemFailures.Select(f => f.ItemIdentifier));
        Assert.Equal(0, h.Chat.Calls);
    }

    [Fact]
    public async Task Batch_Records_RunConcurrently()
    {
        var gate = new TaskCompletionSource();
        var h = new TurnHarness(new FakeChatClient([ModelStep.Wait(gate), Text("one")], [ModelStep.Wait(gate), Text("two")]));
        var handling = Handler(h).HandleAsync(new SqsEvent([Record("m-1", Body("conv-1", "a1")), Record("m-2", Body("conv-2", "a2"))]), h.Deadline, "inv-1", CancellationToken.None);

        await Eventually.TrueAsync(() => h.Chat.Calls == 2, "both records to reach the model at once");
        gate.SetResult();
        var response = await handling.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Empty(response.BatchItemFailures);
    }

    [Fact]
    public async Task LambdaHandler_ReadsTheSqsEventJson_AndAnswersBatchItemFailures()
    {
        var h = new TurnHarness(new FakeChatClient([Text("ok")]));
        var payload = JsonSerializer.SerializeToUtf8Bytes(new SqsEvent([Record("m-bad", "[]"), Record("m-ok", Body())]), LambdaEventsJsonContext.Default.SqsEvent);
        var invocation = new LambdaInvocation("inv-1", h.Deadline, null, null, payload);

        var response = await Handler(h).HandleAsync(invocation, CancellationToken.None);

        Assert.Equal("""{"batchItemFailures":[{"itemIdentifier":"m-bad"}]}""", Encoding.UTF8.GetString(response.Span));
    }

    [Fact]
    public async Task LambdaHandler_PayloadThatIsNotAnSqsEvent_FailsTheInvocation()
    {
        var h = new TurnHarness(new FakeChatClient());
        var invocation = new LambdaInvocation("inv-1", h.Deadline, null, null, Encoding.UTF8.GetBytes("{\"hello\":1"));

        await Assert.ThrowsAsync<InvalidDataException>(() => Handler(h).HandleAsync(invocation, CancellationToken.None));
    }

    [Fact]
    public async Task ARecordStuckAtTheEnd_IsReportedForRetry_BeforeTheInvocationDeadline_ManualClock()
    {
        var options = new AppSyncChat.Worker.Configuration.TurnOptions { DeadlineMargin = TimeSpan.FromSeconds(3), ResponseMargin = TimeSpan.FromSeconds(1), BetweenBytesTimeout = TimeSpan.FromMinutes(5) };
        var h = new TurnHarness(new FakeChatClient([Text("Long"), Hang()]), options);
        h.Deadline = h.Time.GetUtcNow() + TimeSpan.FromSeconds(10);
        using var invocation = new CancellationTokenSource(TimeSpan.FromSeconds(10), h.Time); // as the Lambda loop's token: fires at the deadline
        var handling = Task.Run(() => Handler(h).HandleAsync(new SqsEvent([Record("m-stuck", Body())]), h.Deadline, "inv-1", invocation.Token));
        await h.TextDeliveredAsync("Long");
        h.Publisher.Hold(); // the channel stops answering: the end of the turn cannot publish

        await h.Time.AdvanceUntilAsync(() => handling.IsCompleted, TimeSpan.FromMilliseconds(50));
        var response = await handling;

        Assert.True(h.Time.GetUtcNow() <= h.Deadline - options.ResponseMargin + TimeSpan.FromMilliseconds(50), $"answered at {h.Time.GetUtcNow():O}, deadline {h.Deadline:O}");
        Assert.Equal(["m-stuck"], response.BatchItemFailures.Select(f => f.ItemIdentifier));
    }

    [Fact]
    public async Task ARecordStuckAtTheEnd_IsReportedForRetry_BeforeTheInvocationDeadline_RealClock()
    {
        var options = new AppSyncChat.Worker.Configuration.TurnOptions { DeadlineMargin = TimeSpan.FromSeconds(3), ResponseMargin = TimeSpan.FromSeconds(1.5), BetweenBytesTimeout = TimeSpan.FromMinutes(5) };
        var log = new TestLogger();
        var stuckStore = new FakeTurnStore(FakeTurnStore.User("u1", "Hi"));
        var stuckEvents = new FakeEventsPublisher();
        var stuck = new AppSyncChat.Worker.Turns.TurnProcessor(new FakeChatClient([Text("Long"), Hang()]), stuckStore, stuckEvents, AppSyncChat.Worker.Tools.ToolRegistry.CreateDemo(TimeProvider.System), new AppSyncChat.Worker.Turns.ModelErrorClassifier(), options, "m", "w1", TimeProvider.System, log);
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5);
        using var invocation = new CancellationTokenSource(deadline - DateTimeOffset.UtcNow);
        var handling = Task.Run(() => new SqsBatchHandler(stuck, log).HandleAsync(new SqsEvent([Record("m-stuck", Body())]), deadline, "inv-1", invocation.Token));
        await Eventually.TrueAsync(() => stuckEvents.DeliveredSnapshot().OfType<Contracts.Streaming.TextDelta>().Any(), "the first text");
        stuckEvents.Hold();

        var response = await handling.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(DateTimeOffset.UtcNow < deadline, $"answered {(DateTimeOffset.UtcNow - deadline).TotalMilliseconds:0} ms after the deadline");
        Assert.False(invocation.IsCancellationRequested);
        Assert.Equal(["m-stuck"], response.BatchItemFailures.Select(f => f.ItemIdentifier));
    }
}
