using System.Text.Json;
using AppSyncChat.Aws.AppSyncEvents;

namespace AppSyncChat.Integration.Tests.Security;

/// <summary>
/// Over real HTTP and WebSocket, as two bearer users (Alice, Bob) and the API key: nobody reads, stops,
/// regenerates, sends into or subscribes to another owner's conversation (docs/security.md), each refusal
/// reads like an unknown id, and nothing changes; API-key callers may not list.
/// </summary>
[Collection(SecurityStackCollection.Name)]
public sealed class CrossOwnerTests(SecurityStack stack)
{
    private const string Unknown = "ffffffffffffffffffffffffffffffff";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static TheoryData<string, string> Pairs() => new()
    {
        // owner, stranger
        { "alice", "bob" },
        { "bob", "alice" },
        { "alice", "api key" },
        { "api key", "bob" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task Stranger_CannotReadStopRegenerateSendOrSubscribe(string ownerName, string strangerName)
    {
        var owner = CallerFor(ownerName);
        var stranger = CallerFor(strangerName);
        // A slow first token keeps the answer running while the stranger tries.
        var sent = await stack.DataAsync(owner, "sendMessage", "mutation($input: SendMessageInput!) { sendMessage(input: $input) { conversationId assistantMessageId } }",
            new { input = new { text = "A private question [[ttft=8000]]", clientRequestId = "x-" + Guid.NewGuid().ToString("N")[..16] } });
        var c = sent.GetProperty("conversationId").GetString()!;
        var a = sent.GetProperty("assistantMessageId").GetString()!;
        var keys = await stack.TableKeysAsync();

        var attempts = new (string Name, Func<string, Task<RawResponse>> Call)[]
        {
            ("getConversation", id => stack.PostAsync("query($id: ID!) { getConversation(conversationId: $id) { title messages { text } } }", new { id }, stranger)),
            ("stopGeneration", id => stack.PostAsync("mutation($input: StopGenerationInput!) { stopGeneration(input: $input) { status } }", new { input = new { conversationId = id, messageId = a } }, stranger)),
            ("regenerate", id => stack.PostAsync("mutation($input: RegenerateInput!) { regenerate(input: $input) { conversationId } }", new { input = new { conversationId = id, clientRequestId = "x-regen-" + id[..8] } }, stranger)),
            ("sendMessage", id => stack.PostAsync("mutation($input: SendMessageInput!) { sendMessage(input: $input) { conversationId } }", new { input = new { conversationId = id, text = "let me in", clientRequestId = "x-send-" + id[..8] } }, stranger)),
        };
        foreach (var (name, call) in attempts)
        {
            var foreign = (await call(c)).FirstError;
            var unknown = (await call(Unknown)).FirstError;
            Assert.Equal(("NotFound", unknown.Message.Replace(Unknown, c, StringComparison.Ordinal)), foreign);
            Assert.False(foreign.Message.Contains("private", StringComparison.OrdinalIgnoreCase), name);
        }

        Assert.Equal(keys, await stack.TableKeysAsync());

        // The live channel: the stranger's subscribe is refused, the owner's accepted.
        await using var client = new EventsWebSocketClient(new EventsWebSocketOptions
        {
            HttpEndpoint = new Uri(stack.Endpoints.EventsHttpUrl!),
            RealtimeEndpoint = new Uri(stack.Endpoints.EventsRealtimeUrl!),
            Authorization = EventsAuthFor(ownerName),
            ConnectTimeout = Wait,
            OperationTimeout = Wait,
        });
        var refused = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync($"/chat/{c}", CancellationToken.None, EventsAuthFor(strangerName)));
        Assert.Equal("UnauthorizedException", refused.ErrorCode);
        await using (await client.SubscribeAsync($"/chat/{c}", CancellationToken.None, EventsAuthFor(ownerName)))
        {
        }

        // The owner still can, and ends the answer.
        var stopped = await stack.DataAsync(owner, "stopGeneration", "mutation($input: StopGenerationInput!) { stopGeneration(input: $input) { accepted } }", new { input = new { conversationId = c, messageId = a } });
        Assert.True(stopped.GetProperty("accepted").GetBoolean());
    }

    [Fact]
    public async Task ListConversations_ApiKeyRefused_UsersSeeOnlyTheirOwn()
    {
        const string Create = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversationId } }";
        const string List = "query { listConversations(limit: 100) { items { conversationId } } }";
        string NewRequest() => "list-" + Guid.NewGuid().ToString("N")[..16];
        var alices = (await stack.DataAsync(stack.Alice, "createConversation", Create, new { input = new { clientRequestId = NewRequest() } })).GetProperty("conversationId").GetString();
        var bobs = (await stack.DataAsync(stack.BobCaller, "createConversation", Create, new { input = new { clientRequestId = NewRequest() } })).GetProperty("conversationId").GetString();
        await stack.DataAsync(stack.ApiKey, "createConversation", Create, new { input = new { clientRequestId = NewRequest() } });

        var anonymous = await stack.PostAsync(List, null, stack.ApiKey);
        var alice = await EventuallyListsAsync(stack.Alice, List, alices!);
        var bob = await EventuallyListsAsync(stack.BobCaller, List, bobs!);

        Assert.Equal("Unauthorized", anonymous.FirstError.ErrorType);
        Assert.Equal(JsonValueKind.Null, anonymous.Json.GetProperty("data").ValueKind);
        Assert.DoesNotContain(bobs, alice);
        Assert.DoesNotContain(alices, bob);
    }

    /// <summary>The caller's listed ids once <paramref name="expected"/> shows (the owner index is eventually consistent).</summary>
    private async Task<string?[]> EventuallyListsAsync(Caller caller, string list, string expected)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var ids = (await stack.DataAsync(caller, "listConversations", list, null)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("conversationId").GetString()).ToArray();
            if (ids.Contains(expected) || DateTime.UtcNow > deadline)
            {
                Assert.Contains(expected, ids);
                return ids;
            }

            await Task.Delay(100);
        }
    }

    private Caller CallerFor(string name) => name switch
    {
        "alice" => stack.Alice,
        "bob" => stack.BobCaller,
        _ => stack.ApiKey,
    };

    private EventsAuthorization EventsAuthFor(string name) => name switch
    {
        "alice" => EventsAuthorization.BearerToken(stack.Endpoints.LocalUserToken),
        "bob" => EventsAuthorization.BearerToken(SecurityStack.Bob.Token),
        _ => EventsAuthorization.ApiKey(stack.Endpoints.EventsApiKey),
    };
}
