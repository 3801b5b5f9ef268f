using System.Net.Http.Json;
using System.Text.Json;
using AppSyncChat.Aws.AppSyncEvents;

namespace AppSyncChat.Local.Tests.Stack;

/// <summary>
/// The Local stack's chat <c>onSubscribe</c> owner check (the deployed handler's rule, see
/// <c>tests/Cdk.Tests/OnSubscribeHandlerTests</c>): a conversation created by <c>createConversation</c> and still
/// without messages can be watched by its owner only.
/// </summary>
public sealed class ChatOwnerRuleTests(LocalStackTestFixture fixture) : IClassFixture<LocalStackTestFixture>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Subscribe_CreatedEmptyConversation_OnlyItsOwner()
    {
        var e = fixture.Endpoints;
        var apiKeys = await CreateAsync(apiKey: e.GraphqlApiKey, bearer: null);
        var users = await CreateAsync(apiKey: null, bearer: e.LocalUserToken);
        var apiKey = EventsAuthorization.ApiKey(e.EventsApiKey);
        var user = EventsAuthorization.BearerToken(e.LocalUserToken);
        await using var client = new EventsWebSocketClient(new EventsWebSocketOptions
        {
            HttpEndpoint = new Uri(e.EventsHttpUrl!),
            RealtimeEndpoint = new Uri(e.EventsRealtimeUrl!),
            Authorization = apiKey,
            ConnectTimeout = Wait,
            OperationTimeout = Wait,
        });

        // Owners: allowed although neither conversation has a message yet.
        await using (await client.SubscribeAsync($"/chat/{apiKeys}", CancellationToken.None, apiKey))
        {
        }

        await using (await client.SubscribeAsync($"/chat/{users}", CancellationToken.None, user))
        {
        }

        // Everybody else, unknown conversations, wildcards and deeper paths: refused.
        foreach (var (channel, auth) in new[]
        {
            ($"/chat/{users}", apiKey),
            ($"/chat/{apiKeys}", user),
            ("/chat/ffffffffffffffffffffffffffffffff", apiKey),
            ("/chat/ffffffffffffffffffffffffffffffff", user),
            ("/chat/*", apiKey),
            ($"/chat/{apiKeys}/more", apiKey),
        })
        {
            var refused = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync(channel, CancellationToken.None, auth));
            Assert.True(refused.ErrorCode == "UnauthorizedException", $"{channel}: {refused.ErrorCode} {refused.Message}");
        }
    }

    private async Task<string> CreateAsync(string? apiKey, string? bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Endpoints.GraphqlUrl)
        {
            Content = JsonContent.Create(new Dictionary<string, object>
            {
                ["query"] = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversationId channel messages { messageId } } }",
                ["variables"] = new Dictionary<string, object> { ["input"] = new Dictionary<string, string> { ["clientRequestId"] = Guid.NewGuid().ToString("N") } },
            }),
        };
        if (apiKey is not null)
        {
            request.Headers.Add("x-api-key", apiKey);
        }

        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", bearer);
        }

        using var response = await Http.SendAsync(request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var created = body.RootElement.GetProperty("data").GetProperty("createConversation");
        Assert.Equal(0, created.GetProperty("messages").GetArrayLength());
        return created.GetProperty("conversationId").GetString()!;
    }
}
