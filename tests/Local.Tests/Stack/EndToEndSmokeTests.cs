using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AppSyncChat.Local.Tests.Stack;

/// <summary>
/// GraphQL → sidecar → Lambda Invoke API → the real Api function (hosted in-process) → DynamoDB and SQS.
/// Local carries no chat logic: what these observe is the Api's own behaviour through the local hosting.
/// </summary>
public sealed class EndToEndSmokeTests(LocalStackTestFixture fixture) : IClassFixture<LocalStackTestFixture>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private const string SendMessage = """
        mutation Send($input: SendMessageInput!) {
          sendMessage(input: $input) { conversationId userMessageId assistantMessageId channel turn status }
        }
        """;

    [Fact]
    public async Task SendMessage_ThroughTheGraphQLEndpoint_ReachesTheApiFunctionAndIsStored()
    {
        var sent = await PostAsync(SendMessage, new JsonObject
        {
            ["input"] = new JsonObject { ["text"] = "Hello from the stack smoke test", ["clientRequestId"] = $"smoke-{Guid.NewGuid():N}" },
        });

        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.False(sent.Body.TryGetProperty("errors", out var errors), errors.ToString());
        var result = sent.Body.GetProperty("data").GetProperty("sendMessage");
        var conversationId = result.GetProperty("conversationId").GetString()!;
        Assert.Equal($"/chat/{conversationId}", result.GetProperty("channel").GetString());
        Assert.Equal(1, result.GetProperty("turn").GetInt32());

        var snapshot = await PostAsync(
            "query Get($id: ID!) { getConversation(conversationId: $id) { conversationId messages { role text } } }",
            new JsonObject { ["id"] = conversationId });

        var messages = snapshot.Body.GetProperty("data").GetProperty("getConversation").GetProperty("messages");
        Assert.Contains(messages.EnumerateArray(), m => m.GetProperty("role").GetString() == "USER" && m.GetProperty("text").GetString() == "Hello from the stack smoke test");
    }

    [Fact]
    public async Task SendMessage_InvalidInput_ReturnsTheApiErrorTypeInAppSyncShape()
    {
        var sent = await PostAsync(SendMessage, new JsonObject
        {
            ["input"] = new JsonObject { ["text"] = "x", ["clientRequestId"] = "not valid!" },
        });

        Assert.Equal(HttpStatusCode.OK, sent.Status);
        var error = sent.Body.GetProperty("errors")[0];
        Assert.Equal("ValidationError", error.GetProperty("errorType").GetString());
        Assert.Equal("sendMessage", error.GetProperty("path")[0].GetString());
        Assert.True(error.GetProperty("locations").GetArrayLength() > 0);
        Assert.Equal(JsonValueKind.Null, sent.Body.GetProperty("data").ValueKind);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string query, JsonObject variables)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Endpoints.GraphqlUrl)
        {
            Content = JsonContent.Create(new JsonObject { ["query"] = query, ["variables"] = variables }),
        };
        request.Headers.Add("x-api-key", fixture.Endpoints.GraphqlApiKey);
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
