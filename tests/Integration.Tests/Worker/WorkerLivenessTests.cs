using AppSyncChat.Bench.Metrics;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Integration.Tests.Fixtures;
using Xunit.Abstractions;

namespace AppSyncChat.Integration.Tests.Worker;

/// <summary>
/// The live stream keeps flowing while the model does, on a real clock with real timers and threads: the final
/// text alone cannot show it (a stream that froze and then delivered everything at the end still ends right).
/// </summary>
[Collection(LocalStackCollection.Name)]
public sealed class WorkerLivenessTests(LocalStackFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task SeveralAnswersAtOnce_EveryViewerSeesTextFlowWhileTheModelStreams()
    {
        // The measured failure: 400-token answers at 60 tokens/s froze for 5 s at a viewer in 2 of 6 answers.
        const int answers = 6;
        const int viewersPerAnswer = 2;
        using var bed = new WorkerTestBed(fixture);
        var runs = new List<(string Marker, Task<Finished> Done)>();
        for (var i = 0; i < answers; i++)
        {
            var marker = $"live{Guid.NewGuid():N}";
            runs.Add((marker, RunAsync(bed, marker, viewersPerAnswer)));
        }

        var gaps = new List<double>();
        foreach (var (marker, done) in runs)
        {
            var finished = await done.WaitAsync(Patience);
            Assert.Equal(MessageStatus.Completed, finished.Stored.Status);
            var model = await bed.ModelTurnAsync(marker);
            Assert.NotNull(model);
            foreach (var viewer in finished.Viewers)
            {
                Assert.Equal(finished.Stored.Text, viewer.Text);
                var gap = StreamLiveness.MaxGapMs(viewer.TextArrivals, model);
                Assert.NotNull(gap);
                Assert.True(gap <= StreamLiveness.DefaultBound.TotalMilliseconds, $"{marker}: the live text paused {gap:0} ms while the model kept streaming ({viewer.TextArrivals.Count} text events)");
                gaps.Add(gap.Value);
                await viewer.DisposeAsync();
            }
        }

        gaps.Sort();
        output.WriteLine($"{answers} answers × {viewersPerAnswer} viewers: longest gap per viewer p50 {gaps[gaps.Count / 2]:0} ms, max {gaps[^1]:0} ms (bound {StreamLiveness.DefaultBound.TotalMilliseconds:0} ms)");
    }

    [Fact]
    public async Task LateJoiner_GetsLiveTextSoonAfterJoining()
    {
        using var bed = new WorkerTestBed(fixture);
        var request = await bed.SeedTurnAsync("Describe the sea [[tokens=400]] [[rate=60]]");
        var early = await bed.ViewerAsync(request);
        var delivery = bed.DeliverAsync(request);
        await early.FirstText.Task.WaitAsync(Patience);
        await Task.Delay(1500); // well into the answer

        var joinedAt = DateTimeOffset.UtcNow;
        await using var late = await bed.ViewerAsync(request, withSnapshot: true);
        Assert.True(late.Text.Length > 0, "the snapshot at join time should already hold text (a checkpoint follows the first published text)");
        await late.FirstText.Task.WaitAsync(Patience);
        var joinToLive = (late.FirstLiveTextAppliedAt!.Value - joinedAt).TotalMilliseconds;

        Assert.Empty(await delivery.WaitAsync(Patience));
        await late.Terminal.WaitAsync(Patience);
        Assert.Equal((await bed.MessageAsync(request)).Text, late.Text);
        output.WriteLine($"join → first live text applied {joinToLive:0} ms (re-fetches after a gap: {late.Gaps})");

        // Live text is produced every ~17 ms; the joiner needs at most one checkpoint interval (1 s) to bridge
        // the events it missed, plus a fetch — generous for a loaded machine, far below a frozen stream.
        Assert.True(joinToLive < 2500, $"join → first live text took {joinToLive:0} ms");
        await early.DisposeAsync();
    }

    private sealed record Finished(ChatMessage Stored, List<CatchUpViewer> Viewers);

    private static async Task<Finished> RunAsync(WorkerTestBed bed, string marker, int viewers)
    {
        var request = await bed.SeedTurnAsync($"Story {marker}: tell me about the mountains [[tokens=400]] [[rate=60]]");
        var list = new List<CatchUpViewer>();
        for (var v = 0; v < viewers; v++)
        {
            list.Add(await bed.ViewerAsync(request));
        }

        Assert.Empty(await bed.DeliverAsync(request, TimeSpan.FromMinutes(2)));
        foreach (var viewer in list)
        {
            await viewer.Terminal.WaitAsync(Patience);
        }

        return new Finished(await bed.MessageAsync(request), list);
    }
}
