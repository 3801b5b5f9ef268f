using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Tests.Fakes;

namespace AppSyncChat.Worker.Tests.Publishing;

/// <summary>
/// The coalescer over a channel that fails: merged text, per-event re-publish of <c>failed[]</c>, a publisher that
/// throws. The benchmark's baselines are tested where they live (tests/Integration.Tests/Bench/BaselinePolicyTests.cs).
/// </summary>
public sealed class RepublishTests
{
    private static readonly string[] Deltas = ["The", " quick", " brown", " fox.", " It", " jumps", " over", " the", " lazy", " dog", " and", " runs", " far", " away", " again"];

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
    public async Task PublisherThatThrowsOnce_TheEventsRideWithTheNextPublish_NothingDropped()
    {
        // Dropping them at once left viewers without that text until the next checkpoint (a live-stream freeze the
        // fault campaign measured at 1.1 s).
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        await h.EventsAsync(1);
        h.Publisher.ThrowOn = call => call == 1 ? new HttpRequestException("AppSync unavailable") : null;
        h.Coalescer.AppendText("not lost");
        await Eventually.TrueAsync(() => h.Texts.Count == 1, "the failed events to be sent again");
        h.Coalescer.AppendText(" kept");
        h.Time.Advance(CoalescerHarness.Window);
        var (text, _) = await h.CompleteAsync();

        Assert.Equal("not lost kept", text);
        Assert.Equal(["not lost", " kept"], h.Texts);
        Assert.Equal(0, h.Stats.EventsDropped);
        Assert.IsType<TurnCompleted>(h.Events[^1]);
    }

    [Fact]
    public async Task PublisherThatThrowsTwiceForTheSameEvents_DropsThem_AndTheTurnGoesOn()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced());
        await h.EventsAsync(1);
        h.Publisher.ThrowOn = call => call is 1 or 2 ? new HttpRequestException("AppSync unavailable") : null;
        h.Coalescer.AppendText("lost");
        await Eventually.TrueAsync(() => h.Stats.EventsDropped == 1, "the events dropped after their second try");
        h.Coalescer.AppendText(" kept");
        h.Time.Advance(CoalescerHarness.Window);
        var (text, _) = await h.CompleteAsync();

        Assert.Equal("lost kept", text);
        Assert.Equal([" kept"], h.Texts);
        Assert.IsType<TurnCompleted>(h.Events[^1]);
    }
}
