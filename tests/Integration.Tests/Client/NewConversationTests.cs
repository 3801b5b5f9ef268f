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
    /// worker's claim and the first publish, on a 2-core machine shared with other work (load average above 20
    /// was seen while this was written: 556–963 ms for a 400 ms model). The old failure — a missed
    /// <c>turn.started</c>, text only after the next checkpoint — is caught exactly by the assertions on the
    /// updates, not by this bound.
    /// </summary>
    private const int OverheadBoundMs = 800;

    /// <summary>The median send must stay within the time to first token plus this.</summary>
    private const int MedianOverheadBoundMs = 500;

    /// <summary>From <c>turn.started</c> received to the first text: the model's first token plus one publish.</summary>
    private const int StartedToTextBoundMs = 250;

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
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"send {i + 1}: first text after {firstText.Value.TotalMilliseconds:0} ms (ttft {TimeToFirstTokenMs} ms; {string.Join(", ", steps)} ms)"));
        }

        var sorted = figures.Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"send → first text: min {sorted[0]:0} ms, median {sorted[sorted.Count / 2]:0} ms, max {sorted[^1]:0} ms; bounds: each {TimeToFirstTokenMs + OverheadBoundMs} ms, median {TimeToFirstTokenMs + MedianOverheadBoundMs} ms"));
        Assert.All(figures, ms => Assert.True(ms >= TimeToFirstTokenMs, $"first text after {ms:0} ms, before the model's first token"));
        var all = string.Join(", ", figures.Select(f => f.ToString("0", CultureInfo.InvariantCulture)));
        Assert.All(figures, ms => Assert.True(ms <= TimeToFirstTokenMs + OverheadBoundMs, $"first text after {ms:0} ms; every figure: {all} ms"));
        Assert.True(sorted[sorted.Count / 2] <= TimeToFirstTokenMs + MedianOverheadBoundMs, $"median first text after {sorted[sorted.Count / 2]:0} ms; every figure: {all} ms");
    }
}
