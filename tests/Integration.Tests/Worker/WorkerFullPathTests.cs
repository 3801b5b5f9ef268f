using System.Text.Json.Nodes;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Integration.Tests.Fixtures;
using Xunit.Abstractions;

namespace AppSyncChat.Integration.Tests.Worker;

/// <summary>
/// The whole path as a user drives it: GraphQL sendMessage → Api → SQS → event-source mapping → the Worker
/// function hosted by the Local stack → AppSync Events → WebSocket viewers; stopGeneration the same way.
/// </summary>
[Collection(LocalStackCollection.Name)]
public sealed class WorkerFullPathTests(LocalStackFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private const string SendMessage = """
        mutation Send($input: SendMessageInput!) {
          sendMessage(input: $input) { conversationId userMessageId assistantMessageId turn }
        }
        """;

    private async Task<ChatTurnRequest> SendAsync(string text, string? conversationId = null)
    {
        var input = new JsonObject { ["text"] = text, ["clientRequestId"] = $"it-{Guid.NewGuid():N}" };
        if (conversationId is not null)
        {
            input["conversationId"] = conversationId;
        }

        var response = await fixture.PostGraphQLAsync(SendMessage, new JsonObject { ["input"] = input });
        Assert.Null(response.FirstErrorType);
        var sent = response.Data!.Value.GetProperty("sendMessage");
        return new ChatTurnRequest
        {
            RequestId = "unused",
            ConversationId = sent.GetProperty("conversationId").GetString()!,
            UserMessageId = sent.GetProperty("userMessageId").GetString()!,
            AssistantMessageId = sent.GetProperty("assistantMessageId").GetString()!,
            Turn = sent.GetProperty("turn").GetInt32(),
        };
    }

    [Fact]
    public async Task SendMessage_ThroughGraphQL_StreamsToEveryViewer_AndTheFollowUpToo()
    {
        using var bed = new WorkerTestBed(fixture);
        var first = await SendAsync("Tell me about lighthouses [[tokens=300]] [[rate=300]]");
        var viewers = new List<CatchUpViewer>();
        for (var i = 0; i < 3; i++)
        {
            viewers.Add(await bed.ViewerAsync(first, withSnapshot: true));
        }

        foreach (var viewer in viewers)
        {
            Assert.IsType<TurnCompleted>(await viewer.Terminal.WaitAsync(Patience));
        }

        var stored = await bed.MessageAsync(first);
        Assert.Equal(MessageStatus.Completed, stored.Status);
        Assert.All(viewers, v => Assert.Equal(stored.Text, v.Text));

        // The follow-up in the same conversation: viewers subscribed before it starts see all of it live.
        var next = await SendAsync("And who keeps them? [[tokens=100]]", first.ConversationId);
        await using var live = await bed.ViewerAsync(next, withSnapshot: true);
        Assert.IsType<TurnCompleted>(await live.Terminal.WaitAsync(Patience));
        Assert.Equal((await bed.MessageAsync(next)).Text, live.Text);
        foreach (var viewer in viewers)
        {
            await viewer.DisposeAsync();
        }
    }

    [Fact]
    public async Task StopGeneration_ThroughGraphQL_CancelsTheRunningAnswer_KeepingWhatViewersSaw()
    {
        using var bed = new WorkerTestBed(fixture);
        var turn = await SendAsync("Recite a very long poem [[tokens=3000]] [[rate=100]]");
        await using var viewer = await bed.ViewerAsync(turn, withSnapshot: true);
        await viewer.FirstText.Task.WaitAsync(Patience);

        var stopped = DateTimeOffset.UtcNow;
        var response = await fixture.PostGraphQLAsync(
            "mutation Stop($input: StopGenerationInput!) { stopGeneration(input: $input) { accepted status } }",
            new JsonObject { ["input"] = new JsonObject { ["conversationId"] = turn.ConversationId, ["messageId"] = turn.AssistantMessageId } });
        Assert.Null(response.FirstErrorType);
        var cancelled = Assert.IsType<TurnCancelled>(await viewer.Terminal.WaitAsync(Patience));
        var latency = DateTimeOffset.UtcNow - stopped;

        var stored = await bed.MessageAsync(turn);
        Assert.Equal(MessageStatus.Cancelled, stored.Status);
        Assert.Equal(stored.Text, viewer.Text);
        Assert.Equal(stored.Text.Length, cancelled.Length);
        Assert.True(stored.Text.Length < 3000 * 3, "the answer was stopped long before its end");
        output.WriteLine($"stopGeneration → turn.cancelled at the viewer: {latency.TotalMilliseconds:0} ms; kept {stored.Text.Length} characters");
        Assert.True(latency < TimeSpan.FromSeconds(2), $"stop took {latency.TotalMilliseconds:0} ms");
    }
}
