using System.Diagnostics;
using System.Globalization;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Client;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Integration.Tests.Fixtures;
using Xunit.Abstractions;

namespace AppSyncChat.Integration.Tests.Client;

/// <summary>
/// A new conversation's first answer through the whole Local stack: the client creates the conversation,
/// subscribes, and only then sends, so it receives <c>turn.started</c> live and shows the first text about
/// one time-to-first-token after sending — never after a re-sync.
/// </summary>
[Collection(LocalStackCollection.Name)]
public sealed class NewConversationTests(LocalStackFixture fixture, ITestOutputHelper output)
{
    private const int TimeToFirstTokenMs = 400;

    /// <summary>
    /// Send → first text, every send: at most the model's time to first token plus this. It covers the
    /// create, subscribe and send round trips, the queue hand-off (local-aws-sqs receives take ≥ 40 ms), the
    /// worker's claim and the first publish — all on a 2-core machine shared with other work. Measured here:
    /// 524–711 ms for a 400 ms model at load average ~17; up to 1,816 ms inside <c>./test.sh</c> (every test
    /// assembly at once, load average 43), where the Api's own <c>sendMessage</c> took up to 1.2 s. So this
    /// ceiling is generous: the old failure — a missed <c>turn.started</c>, text only after a re-sync — is caught
    /// exactly by the assertions on the updates and by the two bounds below, which leave out the Api's own time.
    /// </summary>
    private const int OverheadBoundMs = 2_600;

    /// <summary>
    /// From the accepted <c>sendMessage</c> to the first text: queue hand-off, claim, the model's first token and
    /// one publish (measured 525–861 ms for a 400 ms model at load average 43; more at load average 50).
    /// </summary>
    private const int AcceptedToTextBoundMs = 1_300;

    /// <summary>
    /// From <c>turn.started</c> received to the first text: the model's first token plus one publish (measured
    /// 400–599 ms for a 400 ms model, the upper end at load average 43). A viewer that missed the start would
    /// instead wait for a re-sync after the next checkpoint, about a second.
    /// </summary>
    private const int StartedToTextBoundMs = 1_000;

    private ChatClient NewClient() => ChatClient.Create(new ChatClientOptions
    {
        GraphQLUrl = new Uri(fixture.Endpoints.GraphqlUrl),
        GraphQLAuth = GraphQLAuth.ApiKey(fixture.Endpoints.GraphqlApiKey),
        EventsHttpUrl = new Uri(fixture.Endpoints.EventsHttpUrl!),
        EventsRealtimeUrl = fixture.Endpoints.EventsRealtimeUrl is { } realtime ? new Uri(realtime) : null,
        EventsAuthorization = EventsAuthorization.ApiKey(fixture.Endpoints.EventsApiKey),
    });

    [Fact]
    public async Task Send_TenNewConversations_EveryViewerGetsTurnStartedAndFirstTextWithinTtftPlusBound()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var client = NewClient();
        // One warm-up send: the first use of a fresh stack pays JIT and connection set-up in every process.
        await foreach (var update in client.SendAsync(new SendMessageInput { Text = "warm up [[tokens=3]]", ClientRequestId = ChannelIds.NewId() }, timeout.Token))
        {
            _ = update;
        }

        var figures = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var clock = Stopwatch.StartNew();
            TimeSpan? firstText = null;
            TimeSpan? answerStarted = null;
            TimeSpan? messageAccepted = null;
            var updates = new List<ChatUpdate>();
            var steps = new List<string>();
            await foreach (var update in client.SendAsync(
                new SendMessageInput { Text = $"Say something about rivers, number {i} [[ttft={TimeToFirstTokenMs}]] [[tokens=20]] [[rate=200]]", ClientRequestId = ChannelIds.NewId() },
                timeout.Token))
            {
                updates.Add(update);
                if (update is TextAppended && firstText is null)
                {
                    firstText = clock.Elapsed;
                }

                if (update is AnswerStarted)
                {
                    answerStarted = clock.Elapsed;
                }

                if (update is MessageAccepted)
                {
                    messageAccepted = clock.Elapsed;
                }

                if (update is ConversationStarted or MessageAccepted or AnswerStarted)
                {
                    steps.Add(string.Create(CultureInfo.InvariantCulture, $"{update.GetType().Name} {clock.Elapsed.TotalMilliseconds:0}"));
                }
            }

            // Subscribed before the message existed: turn.started arrived live, nothing needed a re-sync.
            Assert.IsType<ConversationStarted>(updates[0]);
            Assert.IsType<MessageAccepted>(updates[1]);
            Assert.Contains(updates, u => u is AnswerStarted);
            Assert.DoesNotContain(updates, u => u is Resynced { Reason: not ResyncReason.Joined } or TextReset);
            var completed = Assert.IsType<MessageCompleted>(updates[^1]);
            var accepted = ((MessageAccepted)updates[1]).Result;
            var stored = (await client.Api.GetConversationAsync(accepted.ConversationId, null, timeout.Token))!.Messages.Single(m => m.MessageId == accepted.AssistantMessageId);
            Assert.Equal((MessageStatus.Completed, stored.Text), (stored.Status, completed.Text));
            figures.Add(firstText!.Value.TotalMilliseconds);
            var startedToText = (firstText.Value - answerStarted!.Value).TotalMilliseconds;
            Assert.True(startedToText <= TimeToFirstTokenMs + StartedToTextBoundMs, $"send {i + 1}: first text {startedToText:0} ms after turn.started");
            var acceptedToText = (firstText.Value - messageAccepted!.Value).TotalMilliseconds;
            Assert.True(acceptedToText <= TimeToFirstTokenMs + AcceptedToTextBoundMs, $"send {i + 1}: first text {acceptedToText:0} ms after the message was accepted");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"send {i + 1}: first text after {firstText.Value.TotalMilliseconds:0} ms (ttft {TimeToFirstTokenMs} ms; {string.Join(", ", steps)} ms)"));
        }

        var sorted = figures.Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"send → first text: min {sorted[0]:0} ms, median {sorted[sorted.Count / 2]:0} ms, max {sorted[^1]:0} ms; bound {TimeToFirstTokenMs + OverheadBoundMs} ms"));
        Assert.All(figures, ms => Assert.True(ms >= TimeToFirstTokenMs, $"first text after {ms:0} ms, before the model's first token"));
        var all = string.Join(", ", figures.Select(f => f.ToString("0", CultureInfo.InvariantCulture)));
        Assert.All(figures, ms => Assert.True(ms <= TimeToFirstTokenMs + OverheadBoundMs, $"first text after {ms:0} ms; every figure: {all} ms"));
    }
}
