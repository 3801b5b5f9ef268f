using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppSyncChat.Aws.AppSyncEvents;

namespace AppSyncChat.Local.Tests.Stack;

/// <summary>
/// The "done when": a message sent to the GraphQL endpoint streams its answer to an AppSync Events
/// subscriber, through every hosted part (sidecar GraphQL → Invoke API → Api → SQS → event-source mapping →
/// Worker → Bedrock emulator → Events emulator). The chat behaviour is the Api's and Worker's own.
/// </summary>
public sealed class StreamingEndToEndTests(LocalStackTestFixture fixture) : IClassFixture<LocalStackTestFixture>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task SendMessage_SubscriberOnTheChannel_ReceivesTheStreamedAnswerMatchingTheStoredText()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;

        // A first turn creates the conversation (and tells us its channel).
        var first = await SendAsync(conversationId: null, "Say hello", ct);
        var conversationId = first.GetProperty("conversationId").GetString()!;
        await WaitForFinalStatusAsync(conversationId, first.GetProperty("assistantMessageId").GetString()!, ct);

        await using var events = new EventsWebSocketClient(new EventsWebSocketOptions
        {
            HttpEndpoint = new Uri(fixture.Endpoints.EventsHttpUrl!),
            RealtimeEndpoint = new Uri(fixture.Endpoints.EventsRealtimeUrl!),
            Authorization = EventsAuthorization.ApiKey(fixture.Endpoints.EventsApiKey),
        });
        await events.ConnectAsync(ct);
        await using var subscription = await events.SubscribeAsync($"/chat/{conversationId}", ct);

        var second = await SendAsync(conversationId, "Tell me about streaming answers [[tokens=30]]", ct);
        var messageId = second.GetProperty("assistantMessageId").GetString()!;
        var streamed = new StringBuilder();
        string? finalType = null;
        await foreach (var raw in subscription.ReadEventsAsync(ct))
        {
            var e = JsonDocument.Parse(raw).RootElement;
            if (e.GetProperty("messageId").GetString() != messageId)
            {
                continue;
            }

            var type = e.GetProperty("type").GetString();
            if (type == "text.delta")
            {
                Assert.Equal(streamed.Length, e.GetProperty("offset").GetInt32());
                streamed.Append(e.GetProperty("text").GetString());
            }
            else if (type is "turn.completed" or "turn.failed" or "turn.cancelled")
            {
                finalType = type;
                break;
            }
        }

        Assert.Equal("turn.completed", finalType);
        var stored = await WaitForFinalStatusAsync(conversationId, messageId, ct);
        Assert.Equal("COMPLETED", stored.GetProperty("status").GetString());
        Assert.True(streamed.Length > 0);
        Assert.Equal(stored.GetProperty("text").GetString(), streamed.ToString());
    }

    private async Task<JsonElement> SendAsync(string? conversationId, string text, CancellationToken ct)
    {
        var input = new JsonObject { ["text"] = text, ["clientRequestId"] = $"e2e-{Guid.NewGuid():N}" };
        if (conversationId is not null)
        {
            input["conversationId"] = conversationId;
        }

        var body = await PostAsync(
            "mutation S($input: SendMessageInput!) { sendMessage(input: $input) { conversationId assistantMessageId channel status } }",
            new JsonObject { ["input"] = input },
            ct);
        Assert.False(body.TryGetProperty("errors", out var errors), errors.ToString());
        return body.GetProperty("data").GetProperty("sendMessage");
    }

    private async Task<JsonElement> WaitForFinalStatusAsync(string conversationId, string messageId, CancellationToken ct)
    {
        while (true)
        {
            var body = await PostAsync(
                "query G($id: ID!) { getConversation(conversationId: $id) { messages { messageId status text } } }",
                new JsonObject { ["id"] = conversationId },
                ct);
            var message = body.GetProperty("data").GetProperty("getConversation").GetProperty("messages").EnumerateArray()
                .First(m => m.GetProperty("messageId").GetString() == messageId);
            if (message.GetProperty("status").GetString() is not ("QUEUED" or "STREAMING"))
            {
                return message;
            }

            await Task.Delay(50, ct);
        }
    }

    private async Task<JsonElement> PostAsync(string query, JsonObject variables, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Endpoints.GraphqlUrl)
        {
            Content = JsonContent.Create(new JsonObject { ["query"] = query, ["variables"] = variables }),
        };
        request.Headers.Add("x-api-key", fixture.Endpoints.GraphqlApiKey);
        using var response = await Http.SendAsync(request, ct);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.Clone();
    }
}
