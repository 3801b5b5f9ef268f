using AppSyncChat.Contracts.Queue;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Tests.Fakes;
using AppSyncChat.Worker.Tools;
using AppSyncChat.Worker.Turns;

namespace AppSyncChat.Worker.Tests.Turns;

/// <summary>A turn processor wired to fakes and a manual clock.</summary>
internal sealed class TurnHarness
{
    /// <summary>The default model: one that supports tool use (the Local Bedrock emulator's default id).</summary>
    public const string ModelId = "anthropic.claude-3-5-haiku-20241022-v1:0";

    public TurnHarness(FakeChatClient chat, TurnOptions? options = null, ToolRegistry? tools = null)
    {
        Time = new ManualTimeProvider();
        Chat = chat;
        Store = new FakeTurnStore(FakeTurnStore.User("u0", "Hi"), FakeTurnStore.Assistant("a0", "Hello! How can I help?"), FakeTurnStore.User("u1", "Tell me a story"));
        Publisher = new FakeEventsPublisher();
        Options = options ?? new TurnOptions();
        Processor = new TurnProcessor(Chat, Store, Publisher, tools ?? ToolRegistry.CreateDemo(Time), new ModelErrorClassifier(), Options, ModelId, "worker-1", Time, Log, jitter: () => 1.0);
        Deadline = Time.GetUtcNow() + TimeSpan.FromMinutes(15);
    }

    public ManualTimeProvider Time { get; }

    public FakeChatClient Chat { get; }

    public FakeTurnStore Store { get; }

    public FakeEventsPublisher Publisher { get; }

    public TestLogger Log { get; } = new();

    public TurnOptions Options { get; }

    public TurnProcessor Processor { get; }

    public DateTimeOffset Deadline { get; set; }

    public ChatTurnRequest Request { get; set; } = new()
    {
        RequestId = "req-1",
        ConversationId = "conv-1",
        UserMessageId = "u1",
        AssistantMessageId = "a1",
        Turn = 1,
        RequestedAtMs = 1_700_000_000_000,
    };

    public Task<TurnResult> StartAsync() => Task.Run(() => Processor.ProcessAsync(Request, Deadline, CancellationToken.None));

    /// <summary>Runs a turn that needs no clock (the model never waits).</summary>
    public Task<TurnResult> RunAsync() => StartAsync().WaitAsync(TimeSpan.FromSeconds(20));

    /// <summary>Runs a turn, moving the clock in <paramref name="step"/>s until it ends.</summary>
    public async Task<TurnResult> RunWithClockAsync(Task<TurnResult>? running = null, TimeSpan? step = null)
    {
        var run = running ?? StartAsync();
        await Time.AdvanceUntilAsync(() => run.IsCompleted, step ?? TimeSpan.FromMilliseconds(50));
        return await run;
    }

    public List<StreamEvent> Events => Publisher.DeliveredSnapshot();

    public Task TextDeliveredAsync(string text) =>
        Eventually.TrueAsync(() => string.Concat(Events.OfType<TextDelta>().Select(d => d.Text)).Contains(text, StringComparison.Ordinal), $"text '{text}' to be published");
}
