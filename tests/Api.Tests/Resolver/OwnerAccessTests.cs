using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Tests.Fixtures;

namespace AppSyncChat.Api.Tests.Resolver;

/// <summary>
/// Who may do what (docs/security.md): nobody reads, stops, regenerates or sends into another owner's
/// conversation, and every refusal reads exactly like an unknown id; API-key callers share one identity, so
/// they reach a conversation only by its id and may not list.
/// </summary>
[Collection(DynaliteCollection.Name)]
public sealed class OwnerAccessTests(DynaliteFixture dynalite) : ResolverTestBase(dynalite)
{
    private const string Unknown = "ffffffffffffffffffffffffffffffff";

    public static TheoryData<string, string> Strangers() => new()
    {
        // owner, stranger
        { Alice, Bob },
        { Alice, ApiKey },
        { Alice, IamUser },
        { ApiKey, Alice },
        { ApiKey, IamUser },
    };

    [Theory]
    [MemberData(nameof(Strangers))]
    public async Task Stranger_EveryOperationOnTheConversation_NotFoundLikeAnUnknownIdAndNothingChanges(string owner, string stranger)
    {
        var sent = await SendAsync("Private plans", "owner-1", identity: owner);
        var c = sent.GetProperty("conversationId").GetString()!;
        var a = sent.GetProperty("assistantMessageId").GetString()!;
        var before = await TableSnapshotAsync();
        var queued = Sqs.Sent.Count;

        var refusals = new (Func<string, Task> Call, string Name)[]
        {
            (id => GetAsync(id, stranger), "getConversation"),
            (id => StopAsync(id, a, stranger), "stopGeneration"),
            (id => RegenerateAsync(id, "stranger-regen", stranger), "regenerate"),
            (id => SendAsync("Let me in", "stranger-send", id, stranger), "sendMessage"),
        };
        foreach (var (call, name) in refusals)
        {
            var foreign = await ExpectErrorAsync<NotFound>(() => call(c));
            var unknown = await ExpectErrorAsync<NotFound>(() => call(Unknown));
            Assert.True(unknown.Message.Replace(Unknown, c, StringComparison.Ordinal) == foreign.Message, $"{name}: '{foreign.Message}' tells more than '{unknown.Message}'");
        }

        Assert.Equal(before, await TableSnapshotAsync());
        Assert.Equal(queued, Sqs.Sent.Count);
        Assert.Equal(c, (await GetAsync(c, owner)).GetProperty("conversationId").GetString());
    }

    [Fact]
    public async Task ListConversations_ApiKey_UnauthorizedEvenWhenApiKeyConversationsExist()
    {
        await SendAsync("First anonymous note", "anon-list-1");
        await SendAsync("Second anonymous note", "anon-list-2");

        var refused = await ExpectErrorAsync<Unauthorized>(() => InvokeAsync("Query", "listConversations", "{}", ApiKey));

        Assert.Contains("reach a conversation by its id", refused.Message, StringComparison.Ordinal);
        Assert.Empty((await InvokeAsync("Query", "listConversations", "{}", Alice)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task ApiKey_WithTheId_CreatesSendsReadsStopsAndRegenerates()
    {
        var created = await InvokeAsync("Mutation", "createConversation", """{"input":{"clientRequestId":"anon-create-1"}}""");
        var c = created.GetProperty("conversationId").GetString()!;
        var sent = await SendAsync("Hello", "anon-send-1", c);
        var a = sent.GetProperty("assistantMessageId").GetString()!;

        var stopped = await StopAsync(c, a);
        Assert.True(stopped.GetProperty("accepted").GetBoolean());
        Assert.Equal(2, (await GetAsync(c)).GetProperty("messages").GetArrayLength());
        Assert.Matches("^[0-9a-f]{32}$", c); // the id is the capability: a random GUID (122 random bits, ChannelIds.NewId), never listed
    }
}
