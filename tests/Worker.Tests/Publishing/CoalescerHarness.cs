using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Publishing;
using AppSyncChat.Worker.Tests.Fakes;

namespace AppSyncChat.Worker.Tests.Publishing;

/// <summary>An event coalescer wired to a fake channel and a manual clock.</summary>
internal sealed class CoalescerHarness : IAsyncDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);

    public CoalescerHarness(IPublishPolicy policy, string startText = "", int maxRepublish = 3, ManualTimeProvider? time = null)
    {
        Publisher = new FakeEventsPublisher();
        Time = time ?? new ManualTimeProvider();
        Stats = new PublishStats();
        var batch = new EventBatchPublisher(Publisher, Time, maxRepublish, TimeSpan.Zero, Stats, new TestLogger());
        Coalescer = new EventCoalescer(new TurnIdentity("conv-1", "msg-1", 1), "/chat/conv-1", startText, policy, batch, Time);
        Coalescer.Start(CancellationToken.None);
        Coalescer.Enqueue((t, seq) => new TurnStarted { ConversationId = t.ConversationId, MessageId = t.MessageId, Turn = t.Turn, Seq = seq, Offset = startText.Length });
    }

    public static IPublishPolicy Coalesced(int maxChars = 16 * 1024) => new CoalescingPolicy(Window, maxChars);

    public FakeEventsPublisher Publisher { get; }

    public ManualTimeProvider Time { get; }

    public PublishStats Stats { get; }

    public EventCoalescer Coalescer { get; }

    public Task<(string Text, StreamEvent Terminal)> CompleteAsync() =>
        Coalescer.CompleteAsync((t, seq, text) => new TurnCompleted
        {
            ConversationId = t.ConversationId,
            MessageId = t.MessageId,
            Turn = t.Turn,
            Seq = seq,
            StopReason = "end_turn",
            Length = text.Length,
            Checksum = TextChecksum.Of(text),
        });

    public void Tool(string id) => Coalescer.Enqueue((t, seq) => new ToolStarted { ConversationId = t.ConversationId, MessageId = t.MessageId, Turn = t.Turn, Seq = seq, ToolUseId = id, Name = "calculate" });

    /// <summary>Waits until <paramref name="count"/> events were delivered and no publish is in flight.</summary>
    public async Task EventsAsync(int count)
    {
        await Eventually.TrueAsync(() => Publisher.DeliveredSnapshot().Count >= count && Publisher.InFlight == 0, $"{count} events");
        await ManualTimeProvider.SettleAsync();
    }

    /// <summary>Waits until the coalescer armed its window timer (text is pending and waiting).</summary>
    public Task WindowArmedAsync() => Eventually.TrueAsync(() => Time.TimersDueWithin(Window) > 0, "the window timer");

    public List<StreamEvent> Events => Publisher.DeliveredSnapshot();

    public List<string> Texts => [.. Events.OfType<TextDelta>().Select(d => d.Text)];

    public async ValueTask DisposeAsync() => await Coalescer.DisposeAsync();
}
