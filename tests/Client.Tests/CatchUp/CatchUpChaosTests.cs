using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Tests.Support;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.Tests.CatchUp;

/// <summary>
/// Randomised delivery (seeded, reproducible): late joins, publishes of up to 5 events delivered in any
/// order, duplicates, lost events, reconnects that lose a publish, a checkpoint that lags, and worker
/// takeovers. Whatever happens, the viewer must end with exactly the stored text.
/// </summary>
public sealed class CatchUpChaosTests
{
    private static readonly string[] Words = ["stream ", "of ", "text ", "café ", "naïve ", "😀 ", "数据 ", "fast ", "tokens, ", "and\n", "🚀🚀 ", "done. "];

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 120; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public Task Follow_ChaoticDelivery_EndsWithExactlyTheStoredText(int seed) => RunAsync(seed, slowFirstSnapshot: false);

    /// <summary>
    /// The same chaos with the viewer subscribed before the answer starts and its first snapshot read returning only
    /// after a seeded number of publishes: the text starts from the first event (when it is not lost), and gaps,
    /// duplicates, reconnects and takeovers meet a follower that has no snapshot yet.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public Task Follow_ChaoticDeliveryWithASlowFirstSnapshot_EndsWithExactlyTheStoredText(int seed) => RunAsync(seed, slowFirstSnapshot: true);

    private static async Task RunAsync(int seed, bool slowFirstSnapshot)
    {
        var random = new Random(seed);
        var answer = BuildAnswer(random);
        var server = new FakeChatServer(answer);
        var hold = slowFirstSnapshot ? server.HoldNextFetch() : null;
        await using var h = new FollowerHarness(server);

        var publishes = answer.Events.Select((e, i) => (e, i)).Chunk(random.Next(1, StreamEventTypes.MaxEventsPerPublish + 1)).ToList();
        var joinAt = random.Next(0, publishes.Count); // publishes before this one happen before the viewer subscribed
        var releaseAt = -1;
        if (slowFirstSnapshot)
        {
            joinAt = 0;
            releaseAt = random.Next(0, publishes.Count); // the first read returns after this publish
        }

        var published = -1;
        void Checkpoint()
        {
            // Storage lags the stream by a few events, but never goes backwards and never passes what was published.
            var lag = random.Next(0, 8);
            answer.CheckpointIndex = Math.Max(answer.CheckpointIndex, Math.Min(published - lag, published));
        }

        for (var p = 0; p < joinAt; p++)
        {
            published = publishes[p].Last().i;
            Checkpoint();
        }

        await h.WaitIdleAsync(); // subscribe and take the first snapshot
        var loseNextPublish = false;
        for (var p = joinAt; p < publishes.Count; p++)
        {
            published = publishes[p].Last().i;
            var delivery = publishes[p].Select(x => x.e).OrderBy(_ => random.Next()).ToList();
            if (loseNextPublish)
            {
                delivery.Clear();
                loseNextPublish = false;
            }

            foreach (var e in delivery)
            {
                if (random.NextDouble() < 0.08)
                {
                    continue; // lost
                }

                h.Subscription.Publish(e);
                if (random.NextDouble() < 0.08)
                {
                    h.Subscription.Publish(e); // duplicate
                }
            }

            if (random.NextDouble() < 0.1 && p > 0)
            {
                h.Subscription.Publish(publishes[random.Next(0, p)].First().e); // an old event replayed
            }

            if (random.NextDouble() < 0.05)
            {
                h.Subscription.Reconnect();
                loseNextPublish = true;
            }

            Checkpoint();
            if (p == releaseAt)
            {
                await h.ReleaseAsync(hold!);
            }

            if (random.NextDouble() < 0.3)
            {
                await h.WaitIdleAsync();
            }
        }

        answer.CheckpointAll(); // the final state is stored
        for (var round = 0; round < 60 && !h.Seen.OfType<MessageFinished>().Any(); round++)
        {
            await h.RunClockToNextDeadlineAsync();
        }

        var finished = await h.FinishAsync();
        Assert.Equal(answer.FinalText, finished.Text);
        Assert.Equal(answer.FinalText, h.Text);
        Assert.IsType<MessageCompleted>(finished);
    }

    internal static AnswerScript BuildAnswer(Random random)
    {
        var answer = new AnswerScript();
        answer.StartTurn(1, 0);
        var pieces = random.Next(5, 40);
        var turn = 1;
        for (var i = 0; i < pieces; i++)
        {
            if (random.NextDouble() < 0.05)
            {
                answer.Tool(random.Next(2) == 0 ? "get_current_time" : "calculate");
            }

            answer.Delta(string.Concat(Enumerable.Range(0, random.Next(1, 4)).Select(_ => Words[random.Next(Words.Length)])));
            if (turn < 3 && i > 2 && random.NextDouble() < 0.04)
            {
                // A new worker takes over and resumes from what storage held (a prefix of the text).
                // Stored text is an earlier state of the current turn's stream (so never inside a surrogate pair).
                var turnStart = answer.Events.FindLastIndex(e => e is TurnStarted);
                var kept = answer.TextThrough(random.Next(turnStart, answer.Events.Count)).Length;

                turn++;
                answer.StartTurn(turn, kept);
            }
        }

        answer.End(StreamEventTypes.TurnCompleted);
        return answer;
    }
}
