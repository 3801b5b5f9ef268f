using AppSyncChat.Bench.Metrics;

namespace AppSyncChat.Integration.Tests.Fixtures;

/// <summary>
/// The liveness check of every streaming test: a viewer's text kept flowing while the model streamed it (not
/// only the final text was right). Uses the benchmark's measure and bound (<see cref="StreamLiveness"/>).
/// </summary>
internal static class LiveStream
{
    /// <summary>A word to put in a prompt so the model request can be found in the Bedrock emulator's log.</summary>
    public static string NewMarker() => "trace" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Asserts each viewer's text events (arrival, offset, text) never paused beyond the bound while the model of <paramref name="marker"/> streamed.</summary>
    public static async Task AssertFlowedAsync(string bedrockUrl, string marker, params IReadOnlyList<(DateTimeOffset At, long Offset, string Text)>[] viewers)
    {
        using var http = new HttpClient();
        var models = await ModelTurn.FetchByMarkerAsync(http, bedrockUrl, [marker], CancellationToken.None);
        var model = Assert.Contains(marker, (IDictionary<string, ModelTurn>)models);
        for (var i = 0; i < viewers.Length; i++)
        {
            var gap = StreamLiveness.MaxGapMs(viewers[i], model);
            Assert.True(gap is null || gap <= StreamLiveness.DefaultBound.TotalMilliseconds, $"viewer {i}: the live text paused {gap:0} ms while the model kept streaming (bound {StreamLiveness.DefaultBound.TotalMilliseconds:0} ms, {viewers[i].Count} text events)");
        }
    }
}
