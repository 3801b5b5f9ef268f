using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Publishing;
using AppSyncChat.Worker.Tests.Fakes;
using Xunit.Abstractions;

namespace AppSyncChat.Worker.Tests.Publishing;

/// <summary>
/// Liveness of the coalescer: pending text always leaves within one window plus one publish, whatever the
/// interleaving of the window timer, appends, enqueues and publishes.
/// </summary>
public sealed class EventCoalescerLivenessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task WindowTimer_FiringInsideChange_StillPublishesThePendingText()
    {
        // The timer's thread wins the race: it fires after the pump armed it and before the pump starts waiting.
        // A wake-up that is not recorded under the pump's lock is lost here, and " world" would wait for the end of the turn.
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced(), time: new ManualTimeProvider { FireInsideChange = true });
        h.Coalescer.AppendText("Hello");
        await h.EventsAsync(2);

        h.Coalescer.AppendText(" world");
        await h.EventsAsync(3);

        Assert.Equal(["Hello", " world"], h.Texts);
        Assert.Contains(CoalescerHarness.Window, h.Time.Delays);
    }

    [Fact]
    public async Task WindowTimer_FiringInsideChange_ManyWindows_EveryPieceLeavesBeforeTheTurnEnds()
    {
        await using var h = new CoalescerHarness(CoalescerHarness.Coalesced(), time: new ManualTimeProvider { FireInsideChange = true });
        var expected = new StringBuilder();
        for (var i = 0; i < 50; i++)
        {
            var piece = $"p{i} ";
            expected.Append(piece);
            h.Coalescer.AppendText(piece);
            await Eventually.TrueAsync(() => string.Concat(h.Texts) == expected.ToString(), $"piece {i} published");
        }

        var (text, _) = await h.CompleteAsync();
        Assert.Equal(expected.ToString(), text);
        Assert.Equal(text, Viewer.Replay(h.Events).Text);
    }

    /// <summary>
    /// Real clock, real timer threads, random timing over thousands of windows: after every burst of appends the
    /// producer goes quiet and the pending text must reach the channel. A lost wake-up never delivers it (the
    /// stream waits for the end of the turn), so the generous deadline separates it from a slow machine.
    /// </summary>
    [Fact]
    public async Task RealClock_RandomTiming_PendingTextAlwaysLeaves()
    {
        // A 1 ms window makes the pump re-arm the timer with a sub-millisecond remainder (a due time of 0 once truncated)
        // in most windows, so the timer thread races the pump as often as it can.
        var window = TimeSpan.FromMilliseconds(1);
        const int bursts = 3000;
        var deadline = TimeSpan.FromSeconds(5);
        var publisher = new JitteryPublisher(seed: 11);
        var batch = new EventBatchPublisher(publisher, TimeProvider.System, 3, TimeSpan.Zero, new PublishStats(), new TestLogger());
        await using var stream = new EventCoalescer(
            new TurnIdentity("conv-1", "msg-1", 1), "/chat/conv-1", string.Empty,
            new CoalescingPolicy(window, 16 * 1024), batch, TimeProvider.System);
        stream.Start(CancellationToken.None);
        stream.Enqueue((t, seq) => new TurnStarted { ConversationId = t.ConversationId, MessageId = t.MessageId, Turn = t.Turn, Seq = seq, Offset = 0 });

        var rng = new Random(5);
        var expected = new StringBuilder();
        var waits = new List<double>(bursts);
        for (var burst = 0; burst < bursts; burst++)
        {
            for (var piece = 1 + rng.Next(6); piece > 0; piece--)
            {
                var text = new string((char)('a' + rng.Next(26)), 1 + rng.Next(4));
                expected.Append(text);
                stream.AppendText(text);
                switch (rng.Next(4))
                {
                    case 0:
                        break;
                    case 1:
                        Thread.SpinWait(rng.Next(20_000));
                        break;
                    case 2:
                        await Task.Yield();
                        break;
                    default:
                        await Task.Delay(rng.Next(3));
                        break;
                }
            }

            var quiet = Stopwatch.GetTimestamp();
            if (!await publisher.WaitForTextLengthAsync(expected.Length, deadline))
            {
                Assert.Fail($"Burst {burst}: {expected.Length - publisher.TextLength} characters still unpublished {deadline.TotalSeconds} s after the producer went quiet (a lost wake-up).");
            }

            waits.Add(Stopwatch.GetElapsedTime(quiet).TotalMilliseconds);
        }

        var (final, _) = await stream.CompleteAsync((t, seq, text) => new TurnCompleted
        {
            ConversationId = t.ConversationId, MessageId = t.MessageId, Turn = t.Turn, Seq = seq, StopReason = "end_turn", Length = text.Length, Checksum = TextChecksum.Of(text),
        });

        Assert.Equal(expected.ToString(), final);
        Assert.Equal(final, Viewer.Replay(publisher.Delivered()).Text);
        waits.Sort();
        output.WriteLine($"{bursts} bursts, {publisher.Publishes} publishes; quiet → published p50 {waits[bursts / 2]:0.0} ms, p99 {waits[bursts * 99 / 100]:0.0} ms, max {waits[^1]:0.0} ms");
    }

    /// <summary>A channel whose publishes complete at once, after a yield, or after a short delay, at random.</summary>
    private sealed class JitteryPublisher(int seed) : IEventsPublisher
    {
        private readonly Lock _gate = new();
        private readonly Random _rng = new(seed);
        private readonly List<StreamEvent> _delivered = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _textLength;

        public int Publishes { get; private set; }

        public long TextLength
        {
            get
            {
                lock (_gate)
                {
                    return _textLength;
                }
            }
        }

        public List<StreamEvent> Delivered()
        {
            lock (_gate)
            {
                return [.. _delivered];
            }
        }

        public async Task<EventsPublishResult> PublishAsync(string channel, IReadOnlyList<string> events, CancellationToken cancellationToken)
        {
            int mode;
            lock (_gate)
            {
                mode = _rng.Next(3);
                Publishes++;
            }

            if (mode == 1)
            {
                await Task.Yield();
            }
            else if (mode == 2)
            {
                await Task.Delay(1, cancellationToken);
            }

            TaskCompletionSource changed;
            lock (_gate)
            {
                foreach (var json in events)
                {
                    var e = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.StreamEvent)!;
                    _delivered.Add(e);
                    if (e is TextDelta delta)
                    {
                        _textLength += delta.Text.Length;
                    }
                }

                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
            return new EventsPublishResult([.. events.Select((_, i) => new PublishedEvent($"id-{i}", i))], []);
        }

        public async Task<bool> WaitForTextLengthAsync(long length, TimeSpan timeout)
        {
            var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (_textLength >= length)
                    {
                        return true;
                    }

                    changed = _changed.Task;
                }

                var left = until - Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    return false;
                }

                try
                {
                    await changed.WaitAsync(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
                }
                catch (TimeoutException)
                {
                    return false;
                }
            }
        }
    }
}
