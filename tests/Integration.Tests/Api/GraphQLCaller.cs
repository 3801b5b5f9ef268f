using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppSyncChat.Integration.Tests.Fixtures;

namespace AppSyncChat.Integration.Tests.Api;

/// <summary>
/// GraphQL over HTTP against the Local stack as two different owners: the API key (the anonymous owner)
/// and the local Cognito-like user (bearer token → identity with a <c>sub</c>).
/// </summary>
public sealed class GraphQLCaller(LocalStackFixture fixture, bool asUser)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public const string SendMessage = """
        mutation($input: SendMessageInput!) { sendMessage(input: $input) { conversationId userMessageId assistantMessageId channel turn status } }
        """;

    public const string Regenerate = """
        mutation($input: RegenerateInput!) { regenerate(input: $input) { conversationId userMessageId assistantMessageId channel turn status } }
        """;

    public const string Stop = """
        mutation($input: StopGenerationInput!) { stopGeneration(input: $input) { conversationId messageId status accepted } }
        """;

    public const string Get = """
        query($id: ID!, $limit: Int) { getConversation(conversationId: $id, messageLimit: $limit) {
          conversationId title channel activeMessageId createdAt updatedAt
          messages { messageId role text status turn seq offset stopReason checksum usage { inputTokens outputTokens totalTokens } error { code message retryable } } } }
        """;

    public const string List = """
        query($limit: Int, $next: String) { listConversations(limit: $limit, nextToken: $next) { items { conversationId title lastMessagePreview updatedAt } nextToken } }
        """;

    public async Task<GraphQLResponse> PostAsync(string query, JsonObject? variables = null)
    {
        var body = new JsonObject { ["query"] = query, ["variables"] = variables ?? [] };
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Endpoints.GraphqlUrl)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (asUser)
        {
            request.Headers.TryAddWithoutValidation("Authorization", fixture.Endpoints.LocalUserToken);
        }
        else
        {
            request.Headers.Add("x-api-key", fixture.ApiKey);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new GraphQLResponse((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The field's value, failing the test with the GraphQL errors when there is none.</summary>
    public async Task<JsonElement> DataAsync(string query, string field, JsonObject? variables = null)
    {
        var response = await PostAsync(query, variables);
        Assert.True(response.Data is { } d && d.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null, $"{field} failed: {response.Body}");
        return response.Data!.Value.GetProperty(field);
    }

    public Task<JsonElement> SendAsync(string text, string clientRequestId, string? conversationId = null) =>
        DataAsync(SendMessage, "sendMessage", new JsonObject
        {
            ["input"] = new JsonObject { ["text"] = text, ["clientRequestId"] = clientRequestId, ["conversationId"] = conversationId },
        });

    /// <summary>Polls getConversation until the message is in a final state (the Worker finished it).</summary>
    public async Task<JsonElement> WaitForFinalAsync(string conversationId, string messageId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var conversation = await DataAsync(Get, "getConversation", new JsonObject { ["id"] = conversationId });
            var message = conversation.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("messageId").GetString() == messageId);
            if (message.GetProperty("status").GetString() is "COMPLETED" or "FAILED" or "CANCELLED" or "INTERRUPTED")
            {
                return message;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Message {messageId} is still {message.GetProperty("status").GetString()}.");
            await Task.Delay(100);
        }
    }

    public static string NewRequestId() => "it-" + Guid.NewGuid().ToString("N")[..20];
}
