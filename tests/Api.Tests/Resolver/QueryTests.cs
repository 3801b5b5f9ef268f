using System.Text.Json;
using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Tests.Fixtures;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;

namespace AppSyncChat.Api.Tests.Resolver;

[Collection(DynaliteCollection.Name)]
public sealed class QueryTests(DynaliteFixture dynalite) : ResolverTestBase(dynalite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task GetConversation_MidAnswer_SnapshotHasTextSeqAndUtf16Offset()
    {
        var sent = await SendAsync("Say hi with an emoji", "snap-1", identity: Alice);
        var c = sent.GetProperty("conversationId").GetString()!;
        var a = sent.GetProperty("assistantMessageId").GetString()!;
        var lease = new TurnLease("w1", Clock.GetUtcNow().AddMinutes(1));
        await Store.ClaimAsync(c, a, 1, lease, None);
        await Store.CheckpointAsync(c, a, new Checkpoint("Hi 👋 there", 4, 1), lease, None);

        var snapshot = await GetAsync(c, Alice);

        Assert.Equal(c, snapshot.GetProperty("conversationId").GetString());
        Assert.Equal($"/chat/{c}", snapshot.GetProperty("channel").GetString());
        Assert.Equal(a, snapshot.GetProperty("activeMessageId").GetString());
        var answer = snapshot.GetProperty("messages")[1];
        Assert.Equal("STREAMING", answer.GetProperty("status").GetString());
        Assert.Equal("Hi 👋 there", answer.GetProperty("text").GetString());
        Assert.Equal(4, answer.GetProperty("seq").GetInt64());
        Assert.Equal(11, answer.GetProperty("offset").GetInt32()); // the emoji is two UTF-16 code units
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("checksum").ValueKind);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", answer.GetProperty("createdAt").GetString());
    }

    [Fact]
    public async Task GetConversation_Finished_HasUsageStopReasonAndChecksum()
    {
        var sent = await SendAsync("Hello", "snap-2");
        var c = sent.GetProperty("conversationId").GetString()!;
        await CompleteAsync(c, sent.GetProperty("assistantMessageId").GetString()!, "Hello to you.");

        var answer = (await GetAsync(c)).GetProperty("messages")[1];

        Assert.Equal("COMPLETED", answer.GetProperty("status").GetString());
        Assert.Equal(TextChecksum.Of("Hello to you."), answer.GetProperty("checksum").GetString());
        Assert.Equal(30, answer.GetProperty("usage").GetProperty("totalTokens").GetInt32());
        Assert.Equal("end_turn", answer.GetProperty("stopReason").GetString());
        Assert.Equal(13, answer.GetProperty("offset").GetInt32());
    }

    [Fact]
    public async Task GetConversation_MessageLimit_NewestMessagesOldestFirst()
    {
        var sent = await SendAsync("one", "lim-1");
        var c = sent.GetProperty("conversationId").GetString()!;
        await CompleteAsync(c, sent.GetProperty("assistantMessageId").GetString()!, "two");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await SendAsync("three", "lim-2", c);

        var messages = (await GetAsync(c, messageLimit: 2)).GetProperty("messages");

        Assert.Equal(["three", ""], messages.EnumerateArray().Select(m => m.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task GetConversation_OtherOwnerAndUnknown_SameNotFound()
    {
        var sent = await SendAsync("Secret", "own-1", identity: Alice);
        var c = sent.GetProperty("conversationId").GetString()!;

        var forbidden = await ExpectErrorAsync<NotFound>(() => GetAsync(c, Bob));
        var anonymous = await ExpectErrorAsync<NotFound>(() => GetAsync(c, ApiKey));
        var iam = await ExpectErrorAsync<NotFound>(() => GetAsync(c, IamUser));
        var unknown = await ExpectErrorAsync<NotFound>(() => GetAsync("ffffffffffffffffffffffffffffffff", Bob));

        Assert.All(new[] { forbidden, anonymous, iam }, e => Assert.Equal(unknown.Message.Replace("ffffffffffffffffffffffffffffffff", c, StringComparison.Ordinal), e.Message));
        Assert.Equal(c, (await GetAsync(c, Alice)).GetProperty("conversationId").GetString());
    }

    [Fact]
    public async Task ListConversations_Paged_NewestFirstOnlyCallersOwn()
    {
        var mine = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            var sent = await SendAsync($"Conversation number {i}", $"list-{i}", identity: Alice);
            mine.Add(sent.GetProperty("conversationId").GetString()!);
        }

        await SendAsync("Bob's", "list-bob", identity: Bob);

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await InvokeAsync("Query", "listConversations", $$"""{"limit":2,"nextToken":{{Json(token)}}}""", Alice);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("conversationId").GetString()!));
            token = page.GetProperty("nextToken").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextToken").GetString();
        }
        while (token is not null);

        Assert.Equal(Enumerable.Reverse(mine), seen);
        var first = (await InvokeAsync("Query", "listConversations", "{}", Alice)).GetProperty("items")[0];
        Assert.Equal("Conversation number 4", first.GetProperty("title").GetString());
        Assert.Equal("Conversation number 4", first.GetProperty("lastMessagePreview").GetString());
        Assert.Single((await InvokeAsync("Query", "listConversations", "{}", Bob)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Identity_KindsAreSeparateOwners()
    {
        var identities = new[]
        {
            ApiKey,
            Alice,
            IamUser,
            """{"accountId":"123456789012","cognitoIdentityPoolId":"us-east-1:pool","cognitoIdentityId":"us-east-1:1234-abcd","sourceIp":["127.0.0.1"],"username":"AROAEXAMPLE:CognitoIdentityCredentials","userArn":"arn:aws:sts::123456789012:assumed-role/Unauth/CognitoIdentityCredentials","cognitoIdentityAuthType":"unauthenticated","cognitoIdentityAuthProvider":null}""",
        };
        var owners = new List<string>();
        for (var i = 0; i < identities.Length; i++)
        {
            var sent = await SendAsync("who am I", $"who-{i}", identity: identities[i]);
            owners.Add((await Store.GetConversationAsync(sent.GetProperty("conversationId").GetString()!, None))!.OwnerId);
        }

        Assert.Equal(["anonymous", "user:alice-sub", "iam:arn:aws:iam::123456789012:user/carol", "identity:us-east-1:1234-abcd"], owners);
    }

    [Fact]
    public async Task Identity_LambdaAuthorizer_Unauthorized()
    {
        var error = await ExpectErrorAsync<Unauthorized>(() => GetAsync("ffffffffffffffffffffffffffffffff", """{"resolverContext":{"tenant":"x"}}"""));

        Assert.Contains("Lambda authorizer", error.Message, StringComparison.Ordinal);
    }
}
