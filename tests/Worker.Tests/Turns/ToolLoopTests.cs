using System.Text.Json;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Tests.Fakes;
using AppSyncChat.Worker.Tools;
using AppSyncChat.Worker.Turns;
using Microsoft.Extensions.AI;
using static AppSyncChat.Worker.Tests.Fakes.ModelStep;

namespace AppSyncChat.Worker.Tests.Turns;

public sealed class ToolLoopTests
{
    private static Dictionary<string, object?> Args(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!.ToDictionary(kv => kv.Key, kv => (object?)kv.Value);

    [Fact]
    public async Task ToolUse_PausesText_PublishesProgress_FeedsTheResultBack_AndContinues()
    {
        var h = new TurnHarness(new FakeChatClient(
            [Text("Let me work that out."), Call("call-1", "calculate", Args("""{"expression":"2*(3+4)"}""")), Finish(ChatFinishReason.ToolCalls)],
            [Text(" It is 14."), Finish(ChatFinishReason.Stop)]));

        var result = await h.RunAsync();

        Assert.Equal(MessageStatus.Completed, result.Status);
        var events = h.Events;
        Assert.Equal(
            [typeof(TurnStarted), typeof(TextDelta), typeof(ToolStarted), typeof(ToolFinished), typeof(TextDelta), typeof(TurnCompleted)],
            events.Select(e => e.GetType()));
        var started = events.OfType<ToolStarted>().Single();
        Assert.Equal(("call-1", "calculate", "Calculating 2*(3+4)"), (started.ToolUseId, started.Name, started.Summary));
        Assert.Equal("success", events.OfType<ToolFinished>().Single().Status);
        Assert.Equal("Let me work that out. It is 14.", h.Store.Outcome!.Text);
        Assert.Equal(h.Store.Outcome.Text, Viewer.Replay(events).Text);

        var second = h.Chat.Requests[1].Messages;
        var assistant = second[^2];
        Assert.Equal(ChatRole.Assistant, assistant.Role);
        Assert.Equal("Let me work that out.", assistant.Contents.OfType<TextContent>().Single().Text);
        Assert.Equal("call-1", assistant.Contents.OfType<FunctionCallContent>().Single().CallId);
        var toolResult = Assert.IsType<FunctionResultContent>(Assert.Single(second[^1].Contents));
        Assert.Equal(ChatRole.Tool, second[^1].Role);
        Assert.Equal(("call-1", "14"), (toolResult.CallId, toolResult.Result as string));
    }

    [Fact]
    public async Task GetCurrentTime_ReturnsTheClockTime_InTheAskedZone()
    {
        var h = new TurnHarness(new FakeChatClient(
            [Call("call-1", "get_current_time", Args("""{"timezone":"+05:30"}"""))],
            [Text("Done.")]));

        await h.RunAsync();

        var result = Assert.IsType<FunctionResultContent>(h.Chat.Requests[1].Messages[^1].Contents[0]);
        using var json = JsonDocument.Parse((string)result.Result!);
        Assert.Equal("2026-11-21T13:30:00+05:30", json.RootElement.GetProperty("localTime").GetString());
    }

    [Fact]
    public async Task UnknownToolOrBadInput_GoesBackToTheModelAsAnError_AndTheTurnContinues()
    {
        var h = new TurnHarness(new FakeChatClient(
            [Call("call-1", "weather", Args("{}")), Call("call-2", "calculate", Args("""{"expression":"1/0"}"""))],
            [Text("Sorry.")]));

        var result = await h.RunAsync();

        Assert.Equal(MessageStatus.Completed, result.Status);
        var results = h.Chat.Requests[1].Messages[^1].Contents.Cast<FunctionResultContent>().ToList();
        Assert.Contains("no tool named 'weather'", results[0].Exception!.Message, StringComparison.Ordinal);
        Assert.Equal("Division by zero.", results[1].Exception!.Message);
        Assert.All(h.Events.OfType<ToolFinished>(), f => Assert.Equal("error", f.Status));
    }

    [Fact]
    public async Task SlowTool_IsCancelledAtItsTimeout_AndReportedAsAnError()
    {
        var slow = new SlowTool();
        var h = new TurnHarness(
            new FakeChatClient([Call("call-1", SlowTool.ToolName, Args("{}"))], [Text("It timed out.")]),
            new TurnOptions { ToolTimeout = TimeSpan.FromSeconds(2) },
            new ToolRegistry([slow]));

        // The clock moves by exactly the tool timeout while the tool runs, then stands still until the tool has seen
        // its cancellation: stepping it in real time instead lets a loaded machine observe the timeout several
        // steps late, which the tool's measured duration would then include.
        var run = h.StartAsync();
        await Eventually.TrueAsync(() => slow.Started, "the slow tool to start");
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => slow.WasCancelled, "the slow tool to be cancelled at its timeout");
        var result = await h.RunWithClockAsync(run, step: TimeSpan.FromMilliseconds(100));

        Assert.Equal(MessageStatus.Completed, result.Status);
        Assert.True(slow.WasCancelled);
        var finished = h.Events.OfType<ToolFinished>().Single();
        Assert.Equal("error", finished.Status);
        Assert.InRange(finished.DurationMs!.Value, 2000, 2200);
        var toolResult = (FunctionResultContent)h.Chat.Requests[1].Messages[^1].Contents[0];
        Assert.Contains("did not finish within 2 s", toolResult.Exception!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolRounds_BeyondTheLimit_EndTheTurn_ToolRoundsExceeded()
    {
        var h = new TurnHarness(
            new FakeChatClient(
                [Call("c1", "calculate", Args("""{"expression":"1+1"}"""))],
                [Call("c2", "calculate", Args("""{"expression":"2+2"}"""))],
                [Call("c3", "calculate", Args("""{"expression":"3+3"}"""))]),
            new TurnOptions { MaxToolRounds = 2 });

        var result = await h.RunAsync();

        Assert.Equal(MessageStatus.Failed, result.Status);
        Assert.Equal(TurnErrorCodes.ToolRoundsExceeded, h.Store.Outcome!.Error!.Code);
        Assert.Equal(3, h.Chat.Calls);
        Assert.Equal(2, h.Events.OfType<ToolFinished>().Count());
    }

    [Fact]
    public async Task Cancel_WhileAToolRuns_CancelsTheTool_AndEndsCancelled()
    {
        var slow = new SlowTool();
        var h = new TurnHarness(
            new FakeChatClient([Text("Working"), Call("call-1", SlowTool.ToolName, Args("{}"))]),
            new TurnOptions { ToolTimeout = TimeSpan.FromMinutes(1) },
            new ToolRegistry([slow]));
        var run = h.StartAsync();
        await Eventually.TrueAsync(() => slow.Started, "the tool to start");

        h.Store.RequestCancel();
        var result = await h.RunWithClockAsync(run);

        Assert.Equal(MessageStatus.Cancelled, result.Status);
        Assert.True(slow.WasCancelled);
        Assert.Equal("Working", h.Store.Outcome!.Text);
    }

    private sealed class SlowTool : IChatTool
    {
        public const string ToolName = "slow_lookup";

        public string Name => ToolName;

        public string Description => "Never finishes on its own.";

        public JsonElement InputSchema { get; } = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone();

        public bool Started { get; private set; }

        public bool WasCancelled { get; private set; }

        public string? Describe(ToolArguments arguments) => "Looking something up";

        public async Task<string> InvokeAsync(ToolArguments arguments, CancellationToken cancellationToken)
        {
            Started = true;
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                WasCancelled = true;
                throw;
            }

            return "never";
        }
    }

    [Fact]
    public async Task Throttling_OnTheModelCallAfterAToolRound_IsRetried_BecauseThatCallHadNoTextYet()
    {
        var throttled = new HttpRequestException("slow down", null, System.Net.HttpStatusCode.TooManyRequests);
        var h = new TurnHarness(new FakeChatClient(
            [Text("Let me work that out."), Call("call-1", "calculate", Args("""{"expression":"2*(3+4)"}""")), Finish(ChatFinishReason.ToolCalls)],
            [Throw(throttled)],
            [Text(" It is 14."), Finish(ChatFinishReason.Stop)]));

        var result = await h.RunWithClockAsync(step: TimeSpan.FromMilliseconds(25));

        Assert.Equal(MessageStatus.Completed, result.Status);
        Assert.Equal(3, h.Chat.Calls);
        Assert.Equal("Let me work that out. It is 14.", h.Store.Outcome!.Text);
        Assert.Equal(h.Store.Outcome.Text, Viewer.Replay(h.Events).Text);
        Assert.Contains(h.Log.Lines, l => l.Message.Contains("retrying", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Throttling_AfterTextOfTheSameCall_IsNotRetried_EvenAfterAToolRound()
    {
        var throttled = new HttpRequestException("slow down", null, System.Net.HttpStatusCode.TooManyRequests);
        var h = new TurnHarness(new FakeChatClient(
            [Call("call-1", "calculate", Args("""{"expression":"1+1"}""")), Finish(ChatFinishReason.ToolCalls)],
            [Text("It is"), Throw(throttled)],
            [Text("must not be called")]));

        var result = await h.RunWithClockAsync(step: TimeSpan.FromMilliseconds(25));

        Assert.Equal(MessageStatus.Interrupted, result.Status);
        Assert.Equal(2, h.Chat.Calls);
        Assert.Equal("It is", h.Store.Outcome!.Text);
    }
}
