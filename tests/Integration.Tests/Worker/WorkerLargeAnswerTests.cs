using System.Diagnostics;
using System.Text;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Integration.Tests.Fixtures;
using Xunit.Abstractions;

namespace AppSyncChat.Integration.Tests.Worker;

/// <summary>An answer larger than one AppSync event, end to end: Bedrock emulator → Worker → Events emulator → WebSocket viewers.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class WorkerLargeAnswerTests(LocalStackFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AnswerLargerThanOneEvent_InOneCoalescingWindow_IsSplitIntoEventsUnder240KB_AndViewersEndWithTheStoredText()
    {
        // A 10 s window with no size bound: all the text after the first delta waits in one window
        // (60000 tokens at 20000/s take about 3 s), so the Worker itself must split it to fit 240 KB.
        using var bed = new WorkerTestBed(fixture, new Dictionary<string, string>
        {
            [SettingNames.CoalesceWindowMs] = "10000",
            [SettingNames.CoalesceMaxChars] = "1000000",
            [SettingNames.ModelMaxTokens] = "100000", // the default (4096) would cut the answer
        });
        var request = await bed.SeedTurnAsync("Write a very long report about oceans and coral reefs [[tokens=60000]] [[rate=20000]] [[ttft=0]]");
        var viewers = new List<CatchUpViewer>();
        for (var i = 0; i < 3; i++)
        {
            viewers.Add(await bed.ViewerAsync(request));
        }

        var clock = Stopwatch.StartNew();
        Assert.Empty(await bed.DeliverAsync(request).WaitAsync(Patience));
        var delivered = clock.Elapsed;

        var stored = await bed.MessageAsync(request);
        Assert.Equal(MessageStatus.Completed, stored.Status);
        Assert.Equal("end_turn", stored.StopReason);
        var storedBytes = Encoding.UTF8.GetByteCount(stored.Text);
        Assert.True(storedBytes > StreamEventTypes.MaxEventBytes, $"the answer is {storedBytes} bytes, not more than one event");
        foreach (var viewer in viewers)
        {
            var terminal = Assert.IsType<TurnCompleted>(await viewer.Terminal.WaitAsync(Patience));
            Assert.Equal(stored.Text, viewer.Text);
            Assert.Equal(stored.Checksum, terminal.Checksum);
            Assert.Equal(0, viewer.Gaps);
            Assert.All(viewer.EventBytes, size => Assert.True(size <= StreamEventTypes.MaxEventBytes, $"an event of {size} bytes"));
        }

        var first = viewers[0];
        var texts = first.Events.Select((e, i) => (Event: e, Bytes: first.EventBytes[i])).Where(x => x.Event is TextDelta).ToList();
        output.WriteLine($"60000 tokens at 20000/s: {storedBytes} bytes stored, delivered in {delivered.TotalSeconds:0.0} s; text events (bytes): {string.Join(", ", texts.Select(t => t.Bytes))}");

        // The first text goes out at once; the rest of the answer shared one window: more than one
        // event's worth of text, published as several events, the first of them filled to the limit.
        var windowed = texts.Skip(1).ToList();
        var windowedText = windowed.Sum(t => Encoding.UTF8.GetByteCount(((TextDelta)t.Event).Text));
        Assert.True(windowedText > StreamEventTypes.MaxEventBytes, $"only {windowedText} bytes of text shared the window");
        Assert.True(windowed.Count >= 2, $"{windowed.Count} text events after the first");
        Assert.True(windowed.Max(t => t.Bytes) > StreamEventTypes.MaxEventBytes * 9 / 10, "the split fills an event close to the limit");
        foreach (var viewer in viewers)
        {
            await viewer.DisposeAsync();
        }
    }
}
