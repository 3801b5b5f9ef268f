using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Publishing;
using AppSyncChat.Worker.Tests.Fakes;

namespace AppSyncChat.Worker.Tests.Publishing;

public sealed class StrategyAndRepublishTests
{
    private static readonly string[] Deltas = ["The", " quick", " brown", " fox.", " It", " jumps", " over", " the", " lazy", " dog", " and", " runs", " far", " away", " again"];

    private static async Task<CoalescerHarness> RunAsync(PublishStrategy strategy)
    {
        var h = new CoalescerHarness(PublishPolicy.For(strategy, CoalescerHarness.Window, 16 * 1024));
        foreach (var delta in Deltas)
        {
            h.Coalescer.AppendText(delta);
            await ManualTimeProvider.SettleAsync();
        }

        await h.CompleteAsync();
        return h;
    }

    [Fact]
    public async Task PerDelta_PublishesEachModelDeltaAsItsOwnRequest()
    {
        await using var h = await RunAsync(PublishStrategy.PerDelta);

        Assert.Equal(Deltas, h.Texts);
        Assert.All(h.Publisher.Publishes, p => Assert.Single(p.Events));
        Assert.Equal(Deltas.Length + 2, h.Publisher.Count);
        Assert.Equal(string.Concat(Deltas), Viewer.Replay(h.Events).Text);
    }

    [Fact]
    public async Task Sentence_FlushesAtASentenceEndOrFiftyCharacters()
    {
        await using var h = await RunAsync(PublishStrategy.Sentence);

        Assert.Equal(["The quick brown fox.", " It jumps over the lazy dog and runs far away again"], h.Texts);
        Assert.All(h.Publisher.Publishes, p => Assert.Single(p.Events));
        Assert.Equal(string.Concat(Deltas), Viewer.Replay(h.Events).Text);
    }

    [Fact]
    public async Task FinalOnly_PublishesNothingUntilTheEnd_ThenTheWholeAnswer()
    {
        var h = new CoalescerHarness(PublishPolicy.For(PublishStrategy.FinalOnly, CoalescerHarness.Window, 16 * 1024));
        await using (h)
        {
            await h.EventsAsync(1);
            foreach (var delta in Deltas)
            {
                h.Coalescer.AppendText(delta);
                h.Time.Advance(TimeSpan.FromSeconds(1));
            }

            await ManualTimeProvider.SettleAsync();
            Assert.Single(h.Events);

            await h.CompleteAsync();

            Assert.Equal([string.Concat(Deltas)], h.Texts);
            Assert.IsType<TurnCompleted>(h.Events[^1]);
        }
    }

    [Fact]
    public async Task Coalesced_SameDeltasInOneWindow_LeaveAsFirstPieceThenOneMergedEvent()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        await h.EventsAsync(1);
        h.Coalescer.AppendText(Deltas[0]);
        await h.EventsAsync(2);
        foreach (var delta in Deltas.Skip(1))
        {
            h.Coalescer.AppendText(delta);
        }

        await h.CompleteAsync();

        Assert.Equal([Deltas[0], string.Concat(Deltas.Skip(1))], h.Texts);
    }

    [Fact]
    public async Task FailedEvents_AreRepublishedAlone_InOrder_WithoutDuplicates()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        await h.EventsAsync(1);
        h.Publisher.Hold();
        h.Tool("t0");
        await Eventually.TrueAsync(() => h.Publisher.Count == 2);
        for (var i = 1; i <= 5; i++)
        {
            h.Tool($"t{i}");
        }

        // The third publish carries t1..t5; AppSync rejects the 2nd and 4th (t2, t4) once.
        h.Publisher.FailIndexes = (call, _) => call == 2 ? [1, 3] : null;
        h.Publisher.Release();
        await h.CompleteAsync();

        var retry = h.Publisher.Publishes[3].Events.Select(FakeEventsPublisher.Decode).Cast<ToolStarted>().Select(e => e.ToolUseId);
        Assert.Equal(["t2", "t4"], retry);
        var seqs = h.Events.Select(e => e.Seq).ToList();
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), seqs.Order());
        Assert.Equal(2, h.Stats.EventsRepublished);
        Assert.Equal(0, h.Stats.EventsDropped);
    }

    [Fact]
    public async Task FailedEvents_AreRepublishedAtMostTheBound_ThenDroppedAndCounted()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced(), maxRepublish: 2);
        await h.EventsAsync(1);
        h.Publisher.FailIndexes = (_, events) => events.Any(e => e.Contains("\"stuck\"", StringComparison.Ordinal)) ? [0] : null;
        h.Tool("stuck");
        h.Tool("after");
        await h.CompleteAsync();

        Assert.Equal(3, h.Publisher.Publishes.Count(p => p.Events.Any(e => e.Contains("\"stuck\"", StringComparison.Ordinal))));
        Assert.Equal(1, h.Stats.EventsDropped);
        Assert.IsType<TurnCompleted>(h.Events[^1]);
    }

    [Fact]
    public async Task PublisherThatThrows_DropsThoseEvents_AndTheTurnGoesOn()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        await h.EventsAsync(1);
        h.Publisher.ThrowOn = call => call == 1 ? new HttpRequestException("AppSync unavailable") : null;
        h.Coalescer.AppendText("lost");
        await Eventually.TrueAsync(() => h.Stats.EventsDropped == 1);
        h.Coalescer.AppendText(" kept");
        h.Time.Advance(CoalescerHarness.Window);
        var (text, _) = await h.CompleteAsync();

        Assert.Equal("lost kept", text);
        Assert.Equal([" kept"], h.Texts);
        Assert.IsType<TurnCompleted>(h.Events[^1]);
    }
}

public sealed class StrategyEventCountTests
{
    /// <summary>
    /// The benchmark's chat workload (500 tokens at 80 tokens/s) on the manual clock: how many events each
    /// strategy publishes. A deterministic shape, not a speed claim. With window W the text leaves every W
    /// (plus the immediate first piece), so 100 ms gives 63 text events + turn.started + turn.completed = 66
    /// (1/7.6 of per-delta's 502) and 110 ms gives 1/8.3 — the benchmark's "≤ 1/8 of per-delta" target (bench/README.md) needs W ≥ 110 ms here.
    /// </summary>
    [Theory]
    [InlineData(100, 66)]
    [InlineData(110, 60)]
    public async Task Coalesced_500TokensAt80PerSecond_PublishesOneTextEventPerWindow(int windowMs, int expectedEvents)
    {
        var coalesced = await CountEventsAsync(PublishStrategy.Coalesced, windowMs);
        var perDelta = await CountEventsAsync(PublishStrategy.PerDelta, windowMs);
        var sentence = await CountEventsAsync(PublishStrategy.Sentence, windowMs);

        Assert.Equal(502, perDelta);
        // Upper bound exact; below it only a starved pump (a loaded machine) merges more, which is allowed.
        Assert.InRange(coalesced, expectedEvents * 8 / 10, expectedEvents + 1);
        Assert.True(windowMs < 110 || coalesced * 8 <= perDelta, $"coalesced {coalesced} vs per-delta {perDelta}");
        Assert.True(windowMs < 100 || coalesced < sentence, $"coalesced {coalesced} vs sentence {sentence}");
    }

    private static async Task<int> CountEventsAsync(PublishStrategy strategy, int windowMs)
    {
        await using var h = new CoalescerHarness(PublishPolicy.For(strategy, TimeSpan.FromMilliseconds(windowMs), 16 * 1024));
        var expected = new System.Text.StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            var token = i % 12 == 11 ? " end." : " word";
            expected.Append(token);
            h.Coalescer.AppendText(token);
            h.Time.Advance(TimeSpan.FromMilliseconds(12.5));
            await ManualTimeProvider.SettleAsync();
        }

        var (text, _) = await h.CompleteAsync();
        Assert.Equal(expected.ToString(), Viewer.Replay(h.Events).Text);
        Assert.Equal(expected.ToString(), text);
        return h.Events.Count;
    }
}
