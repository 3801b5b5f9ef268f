using System.Text;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Tests.Fakes;

namespace AppSyncChat.Worker.Tests.Publishing;

public sealed class EventCoalescerTests
{
    [Fact]
    public async Task FirstText_IsPublishedAtOnce_WithoutWaitingForTheWindow()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        await h.EventsAsync(1);

        h.Coalescer.AppendText("Hel");
        await h.EventsAsync(2);

        Assert.Equal(["Hel"], h.Texts);
        Assert.Equal(TimeSpan.Zero, h.Time.GetElapsedTime(0));
    }

    [Fact]
    public async Task LaterText_MergesUntilTheWindowPasses_ThenLeavesAsOneEvent()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        h.Coalescer.AppendText("Hel");
        await h.EventsAsync(2);

        h.Coalescer.AppendText("lo");
        h.Coalescer.AppendText(", wor");
        await h.WindowArmedAsync();
        h.Time.Advance(CoalescerHarness.Window - TimeSpan.FromMilliseconds(1));
        h.Coalescer.AppendText("ld");
        await ManualTimeProvider.SettleAsync();
        Assert.Equal(2, h.Events.Count);

        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        await h.EventsAsync(3);

        Assert.Equal(["Hel", "lo, world"], h.Texts);
    }

    [Fact]
    public async Task Window_IsCountedFromTheFirstPendingCharacter()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        h.Coalescer.AppendText("a");
        await h.EventsAsync(2);

        h.Time.Advance(TimeSpan.FromMilliseconds(500));
        h.Coalescer.AppendText("b");
        await h.WindowArmedAsync();
        h.Time.Advance(TimeSpan.FromMilliseconds(60));
        h.Coalescer.AppendText("c");
        h.Time.Advance(TimeSpan.FromMilliseconds(40));
        await h.EventsAsync(3);

        Assert.Equal(["a", "bc"], h.Texts);
    }

    [Fact]
    public async Task SizeBound_FlushesBeforeTheWindow()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced(maxChars: 10));
        h.Coalescer.AppendText("x");
        await h.EventsAsync(2);

        h.Coalescer.AppendText("12345");
        await h.WindowArmedAsync();
        h.Coalescer.AppendText("67890");
        await h.EventsAsync(3);

        Assert.Equal(["x", "1234567890"], h.Texts);
    }

    [Fact]
    public async Task NonTextEvent_FlushesPendingTextFirst_InTheSamePublish()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        h.Coalescer.AppendText("Let me check");
        await h.EventsAsync(2);
        h.Coalescer.AppendText(" the time.");
        await h.WindowArmedAsync();

        h.Tool("tool-1");
        await h.EventsAsync(4);

        var last = h.Publisher.Publishes[^1].Events.Select(FakeEventsPublisher.Decode).ToList();
        Assert.Equal(" the time.", Assert.IsType<TextDelta>(last[0]).Text);
        Assert.IsType<ToolStarted>(last[1]);
    }

    [Fact]
    public async Task TextAfterANonTextEvent_IsPublishedAtOnce()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        h.Coalescer.AppendText("a");
        await h.EventsAsync(2);
        h.Tool("tool-1");
        await h.EventsAsync(3);

        h.Coalescer.AppendText("b");
        await h.EventsAsync(4);

        Assert.Equal(["a", "b"], h.Texts);
    }

    [Fact]
    public async Task SlowChannel_GetsFewerBiggerPublishes_WithOnePublishInFlight()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        await h.EventsAsync(1);
        h.Publisher.Hold();
        h.Coalescer.AppendText("t0 ");
        await Eventually.TrueAsync(() => h.Publisher.Count == 2);

        for (var i = 1; i <= 200; i++)
        {
            h.Coalescer.AppendText($"t{i} ");
            h.Time.Advance(TimeSpan.FromMilliseconds(10));
        }

        await ManualTimeProvider.SettleAsync();
        Assert.Equal(2, h.Publisher.Count);
        h.Publisher.Release();
        await h.EventsAsync(3);
        var (text, _) = await h.CompleteAsync();

        Assert.Equal(1, h.Publisher.MaxInFlight);
        Assert.Equal(4, h.Publisher.Count);
        Assert.Equal(2, h.Texts.Count);
        Assert.Equal(text, Viewer.Replay(h.Events).Text);
        Assert.Equal(string.Concat(Enumerable.Range(0, 201).Select(i => $"t{i} ")), text);
    }

    [Fact]
    public async Task ManyEvents_GoAtMostFivePerPublish_InSeqOrder()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        await h.EventsAsync(1);
        h.Publisher.Hold();
        h.Tool("t0");
        await Eventually.TrueAsync(() => h.Publisher.Count == 2);
        for (var i = 1; i <= 11; i++)
        {
            h.Tool($"t{i}");
        }

        h.Publisher.Release();
        await h.CompleteAsync();

        Assert.All(h.Publisher.Publishes, p => Assert.InRange(p.Events.Count, 1, StreamEventTypes.MaxEventsPerPublish));
        Assert.Equal(Enumerable.Range(0, 14).Select(i => (long)i), h.Events.Select(e => e.Seq));
        Assert.Equal([1, 1, 5, 5, 2], h.Publisher.Publishes.Select(p => p.Events.Count));
    }

    [Fact]
    public async Task HugeText_IsSplitSoNoEventPasses240KB_AndRebuildsExactly()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced(maxChars: 1_000_000));
        await h.EventsAsync(1);
        h.Publisher.Hold();
        h.Coalescer.AppendText("start ");
        await Eventually.TrueAsync(() => h.Publisher.Count == 2);
        var rng = new Random(7);
        var big = new StringBuilder();
        for (var i = 0; i < 300_000; i++)
        {
            big.Append(i % 97 == 0 ? "é\"<😀" : ((char)('a' + rng.Next(26))).ToString());
        }

        h.Coalescer.AppendText(big.ToString());
        h.Publisher.Release();
        var (text, _) = await h.CompleteAsync();

        foreach (var publish in h.Publisher.Publishes)
        {
            Assert.All(publish.Events, e => Assert.True(Encoding.UTF8.GetByteCount(e) <= StreamEventTypes.MaxEventBytes, $"event of {Encoding.UTF8.GetByteCount(e)} bytes"));
        }

        Assert.True(h.Texts.Count > 2, "the big text should have been split");
        Assert.Equal("start " + big, text);
        Assert.Equal(text, Viewer.Replay(h.Events).Text);
    }

    [Fact]
    public async Task SurrogatePair_SplitAcrossModelDeltas_IsNeverSplitAcrossEvents()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        await h.EventsAsync(1);

        h.Coalescer.AppendText("smile \uD83D");
        await h.EventsAsync(2);
        h.Coalescer.AppendText("\uDE00!");
        h.Time.Advance(CoalescerHarness.Window);
        var (text, _) = await h.CompleteAsync();

        Assert.Equal(["smile ", "\uD83D\uDE00!"], h.Texts);
        Assert.Equal("smile 😀!", text);
        Assert.Equal(text, Viewer.Replay(h.Events).Text);
    }

    [Fact]
    public async Task FirstPiece_ThatIsHalfASurrogatePair_LeavesAtOnceWhenTheOtherHalfArrives()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        await h.EventsAsync(1);

        h.Coalescer.AppendText("\uD83D");
        await ManualTimeProvider.SettleAsync();
        h.Coalescer.AppendText("\uDE00 hi");
        await h.EventsAsync(2);

        Assert.Equal(["\uD83D\uDE00 hi"], h.Texts);
    }

    [Fact]
    public async Task Offsets_StartAtTheKeptPrefix_WhenATurnContinues()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced(), startText: "Once upon");
        h.Coalescer.AppendText(" a time");
        var (text, _) = await h.CompleteAsync();

        var started = Assert.IsType<TurnStarted>(h.Events[0]);
        Assert.Equal(9, started.Offset);
        Assert.Equal(9, Assert.IsType<TextDelta>(h.Events[1]).Offset);
        Assert.Equal("Once upon a time", text);
        Assert.Equal(text, Viewer.Replay(h.Events, "Once upon and more that was never published").Text);
    }

    [Fact]
    public async Task Snapshot_HoldsTheTextOfEveryCreatedEvent_AndTheLastSeq()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        h.Coalescer.AppendText("Hello");
        await h.EventsAsync(2);
        h.Coalescer.AppendText(" pending");
        await h.WindowArmedAsync();

        var (text, seq) = h.Coalescer.Snapshot();

        Assert.Equal("Hello", text);
        Assert.Equal(1, seq);
    }

    [Fact]
    public async Task RandomDeltas_AnyTiming_RebuildExactlyWithGapFreeSeq()
    {
        var rng = new Random(42);
        for (var run = 0; run < 20; run++)
        {
            await using var h = new CoalescerHarness(CoalescerHarness.Coalesced(maxChars: 1 + rng.Next(200)));
            var expected = new StringBuilder();
            for (var i = 0; i < 300; i++)
            {
                var piece = rng.Next(10) == 0 ? "😀" : new string((char)('a' + rng.Next(26)), 1 + rng.Next(5));
                expected.Append(piece);
                h.Coalescer.AppendText(piece);
                if (rng.Next(4) == 0)
                {
                    h.Time.Advance(TimeSpan.FromMilliseconds(rng.Next(150)));
                }

                if (rng.Next(50) == 0)
                {
                    h.Tool($"tool-{i}");
                }

                if (rng.Next(20) == 0)
                {
                    await ManualTimeProvider.SettleAsync();
                }
            }

            var (text, _) = await h.CompleteAsync();
            Assert.Equal(expected.ToString(), text);
            var viewer = Viewer.Replay(h.Events);
            Assert.Equal(expected.ToString(), viewer.Text);
            Assert.IsType<TurnCompleted>(viewer.Terminal);
        }
    }
}
