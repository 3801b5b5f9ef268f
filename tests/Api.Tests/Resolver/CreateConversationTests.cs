using System.Text.Json;
using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Tests.Fixtures;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Conversations.Model;

namespace AppSyncChat.Api.Tests.Resolver;

[Collection(DynaliteCollection.Name)]
public sealed class CreateConversationTests(DynaliteFixture dynalite) : ResolverTestBase(dynalite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private Task<JsonElement> CreateAsync(string clientRequestId, string? title = null, string settings = "null", string identity = ApiKey) =>
        InvokeAsync("Mutation", "createConversation", $$$$"""{"input":{"clientRequestId":{{{{Json(clientRequestId)}}}},"title":{{{{Json(title)}}}},"settings":{{{{settings}}}}}}""", identity);

    [Fact]
    public async Task CreateConversation_StoresAnEmptyOwnedConversationAndEnqueuesNothing()
    {
        var result = await CreateAsync("create-1", "Trip to Lisbon", """{"temperature":0.2,"systemPrompt":"Answer like a travel agent."}""", Alice);

        var c = result.GetProperty("conversationId").GetString()!;
        Assert.Equal($"/chat/{c}", result.GetProperty("channel").GetString());
        Assert.Equal("Trip to Lisbon", result.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("activeMessageId").ValueKind);
        Assert.Equal(0, result.GetProperty("messages").GetArrayLength());
        Assert.Equal(0.2, result.GetProperty("settings").GetProperty("temperature").GetDouble(), 6);
        Assert.Equal("Answer like a travel agent.", result.GetProperty("settings").GetProperty("systemPrompt").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("settings").GetProperty("modelId").ValueKind);
        Assert.Equal(result.GetProperty("createdAt").GetString(), result.GetProperty("updatedAt").GetString());

        var stored = await Store.GetConversationAsync(c, None);
        Assert.Equal("user:alice-sub", stored!.OwnerId);
        Assert.Null(stored.ActiveMessageId);
        Assert.Null(stored.LastMessageId);
        Assert.Empty(await Store.GetMessagesAsync(c, null, None));
        Assert.Empty(Sqs.Sent);
        Assert.Equal("DONE", (await Store.GetRequestAsync("user:alice-sub", "create-1", None))!.State);

        // It is listed at once for its owner (newest first), and getConversation returns its settings.
        var list = await InvokeAsync("Query", "listConversations", "{}", Alice);
        Assert.Equal(c, list.GetProperty("items")[0].GetProperty("conversationId").GetString());
        var fetched = await GetAsync(c, Alice);
        Assert.Equal("Answer like a travel agent.", fetched.GetProperty("settings").GetProperty("systemPrompt").GetString());
        Assert.Equal(0.2, fetched.GetProperty("settings").GetProperty("temperature").GetDouble(), 6);
    }

    [Fact]
    public async Task CreateConversation_WithoutSettings_SettingsNullAndTitleFromFirstMessage()
    {
        var result = await CreateAsync("create-2", settings: "{}");
        var c = result.GetProperty("conversationId").GetString()!;
        Assert.Equal(JsonValueKind.Null, result.GetProperty("settings").ValueKind);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("title").ValueKind);

        await SendAsync("What is the capital of France, and why is it famous?", "first-1", c);

        // As when sendMessage creates the conversation: the first eight words.
        Assert.Equal("What is the capital of France, and why…", (await Store.GetConversationAsync(c, None))!.Title);
        Assert.Equal(JsonValueKind.Null, (await GetAsync(c)).GetProperty("settings").ValueKind);
    }

    [Fact]
    public async Task CreateConversation_GivenTitle_KeptAfterMessages()
    {
        var c = (await CreateAsync("create-3", "My title")).GetProperty("conversationId").GetString()!;

        var first = await SendAsync("Something entirely different", "t-1", c);
        await CompleteAsync(c, first.GetProperty("assistantMessageId").GetString()!, "Sure.");
        await SendAsync("And more", "t-2", c);

        Assert.Equal("My title", (await GetAsync(c)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task CreateConversation_Retry_ReturnsTheSameConversationAndStoresNothingNew()
    {
        var first = await CreateAsync("retry-c1", "Hello", """{"maxTokens":100}""");
        var before = await TableSnapshotAsync();

        var second = await CreateAsync("retry-c1", "Hello", """{"maxTokens":100}""");

        Assert.Equal(first.GetProperty("conversationId").GetString(), second.GetProperty("conversationId").GetString());
        Assert.Equal(first.GetProperty("createdAt").GetString(), second.GetProperty("createdAt").GetString());
        Assert.Equal(before, await TableSnapshotAsync());

        // A retry after messages were sent returns the conversation as it is now.
        var c = first.GetProperty("conversationId").GetString()!;
        await SendAsync("Hi", "retry-c1-send", c);
        var third = await CreateAsync("retry-c1", "Hello", """{"maxTokens":100}""");
        Assert.Equal(c, third.GetProperty("conversationId").GetString());
        Assert.Equal(2, third.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task CreateConversation_ConcurrentIdenticalRequests_OneConversation()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => CreateAsync("burst-c1", "Same", identity: Alice)));

        Assert.Single(results.Select(r => r.GetProperty("conversationId").GetString()).Distinct());
        var page = await InvokeAsync("Query", "listConversations", "{}", Alice);
        Assert.Equal(1, page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task CreateConversation_RetryAfterCrashBeforeConversationWritten_CompletesIt()
    {
        // The first attempt reserved the id and died before writing the conversation.
        var reserved = await Store.ReserveConversationRequestAsync(
            new ConversationRequestRecord
            {
                OwnerId = "anonymous",
                ClientRequestId = "crash-c1",
                Operation = TurnOperations.CreateConversation,
                Fingerprint = "will-not-match",
                State = "PENDING",
                ConversationId = "c0ffee00c0ffee00c0ffee00c0ffee00",
                CreatedAt = Clock.GetUtcNow(),
            },
            None);
        Assert.Equal("PENDING", reserved.State);
        // ...a different input with that id is refused, and nothing is written...
        var before = await TableSnapshotAsync();
        await ExpectErrorAsync<ValidationError>(() => CreateAsync("crash-c1", "Other"));
        Assert.Equal(before, await TableSnapshotAsync());

        // ...while the same input (same fingerprint) completes the reserved conversation.
        var first = await CreateAsync("crash-c2", "Real");
        await Client.DeleteItemAsync(new Amazon.DynamoDBv2.Model.DeleteItemRequest
        {
            TableName = TableName,
            Key = new() { ["PK"] = new() { S = "CONV#" + first.GetProperty("conversationId").GetString() }, ["SK"] = new() { S = "META" } },
        });
        await Client.UpdateItemAsync(new Amazon.DynamoDBv2.Model.UpdateItemRequest
        {
            TableName = TableName,
            Key = new() { ["PK"] = new() { S = "REQ#anonymous#crash-c2" }, ["SK"] = new() { S = "REQ" } },
            UpdateExpression = "SET #s = :p",
            ExpressionAttributeNames = new() { ["#s"] = "state" },
            ExpressionAttributeValues = new() { [":p"] = new() { S = "PENDING" } },
        });

        var retry = await CreateAsync("crash-c2", "Real");

        Assert.Equal(first.GetProperty("conversationId").GetString(), retry.GetProperty("conversationId").GetString());
        Assert.Equal("Real", (await Store.GetConversationAsync(retry.GetProperty("conversationId").GetString()!, None))!.Title);
        Assert.Equal("DONE", (await Store.GetRequestAsync("anonymous", "crash-c2", None))!.State);
    }

    [Fact]
    public async Task CreateConversation_SameClientRequestIdDifferentInput_ValidationErrorAndNothingChanges()
    {
        await CreateAsync("reuse-c1", "One");
        var before = await TableSnapshotAsync();

        var error = await ExpectErrorAsync<ValidationError>(() => CreateAsync("reuse-c1", "Two"));

        Assert.Contains("reuse-c1", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await TableSnapshotAsync());
    }

    [Fact]
    public async Task ClientRequestId_SharedBetweenCreateAndSend_SecondUseRefused()
    {
        await CreateAsync("one-id");
        await ExpectErrorAsync<ValidationError>(() => SendAsync("Hello", "one-id"));

        await SendAsync("Hello", "other-id");
        await ExpectErrorAsync<ValidationError>(() => CreateAsync("other-id"));
        Assert.Single(Sqs.Sent);
    }

    [Fact]
    public async Task SendMessage_IntoCreatedConversation_DefaultsMergedUnderMessageSettingsInQueuedTurn()
    {
        var c = (await CreateAsync("merge-1", "Merge", """{"modelId":"anthropic.claude-3-haiku-20240307-v1:0","temperature":0.2,"systemPrompt":"Be brief.","maxTokens":300}""")).GetProperty("conversationId").GetString()!;

        var sent = await SendAsync("Hello", "merge-send-1", c, settings: """{"temperature":0.9,"topP":0.5}""");

        var turn = Assert.Single(SentTurns());
        Assert.Equal(c, turn.ConversationId);
        Assert.Equal("anthropic.claude-3-haiku-20240307-v1:0", turn.Settings!.ModelId);
        Assert.Equal(0.9f, turn.Settings.Temperature); // the message's value wins
        Assert.Equal(0.5f, turn.Settings.TopP); // only the message sets it
        Assert.Equal("Be brief.", turn.Settings.SystemPrompt); // only the conversation sets it
        Assert.Equal(300, turn.Settings.MaxTokens);
        // The assistant message records what it ran with.
        var assistant = await Store.GetMessageAsync(c, sent.GetProperty("assistantMessageId").GetString()!, None);
        Assert.Equal(turn.Settings, assistant!.Settings);

        // Without per-message settings the defaults apply as they are.
        await CompleteAsync(c, sent.GetProperty("assistantMessageId").GetString()!, "Hi.");
        await SendAsync("Again", "merge-send-2", c);
        var second = SentTurns()[1].Settings!;
        Assert.Equal((0.2f, (float?)null, "Be brief.", 300), (second.Temperature!.Value, second.TopP, second.SystemPrompt, second.MaxTokens!.Value));
    }

    [Fact]
    public async Task Regenerate_InCreatedConversation_DefaultsMergedUnderTheGivenSettings()
    {
        var c = (await CreateAsync("merge-2", null, """{"systemPrompt":"Be brief.","maxTokens":300}""")).GetProperty("conversationId").GetString()!;
        var sent = await SendAsync("Hello", "merge-2-send", c);
        await CompleteAsync(c, sent.GetProperty("assistantMessageId").GetString()!, "Hi.");

        await InvokeAsync("Mutation", "regenerate", $$$$"""{"input":{"conversationId":"{{{{c}}}}","clientRequestId":"merge-2-regen","settings":{"maxTokens":50}}}""");

        var regenerated = SentTurns()[1];
        Assert.Equal(2, regenerated.Turn);
        Assert.Equal((50, "Be brief."), (regenerated.Settings!.MaxTokens!.Value, regenerated.Settings.SystemPrompt));
    }

    [Fact]
    public async Task CreatedConversation_OtherOwner_NotFoundLikeAnUnknownIdAndNothingStored()
    {
        var c = (await CreateAsync("private-1", "Alice only", identity: Alice)).GetProperty("conversationId").GetString()!;
        var before = await TableSnapshotAsync();

        foreach (var stranger in new[] { Bob, ApiKey, IamUser })
        {
            var get = await ExpectErrorAsync<NotFound>(() => GetAsync(c, stranger));
            var send = await ExpectErrorAsync<NotFound>(() => SendAsync("Let me in", "stranger-1", c, identity: stranger));
            var unknown = await ExpectErrorAsync<NotFound>(() => GetAsync("ffffffffffffffffffffffffffffffff", stranger));
            Assert.Equal(get.Message.Replace(c, "ID", StringComparison.Ordinal), unknown.Message.Replace("ffffffffffffffffffffffffffffffff", "ID", StringComparison.Ordinal));
            Assert.Contains("was not found", send.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, await TableSnapshotAsync());
        Assert.Empty(Sqs.Sent);

        // The owner's first message goes in.
        var mine = await SendAsync("Hello", "alice-1", c, identity: Alice);
        Assert.Equal(c, mine.GetProperty("conversationId").GetString());
        Assert.Equal(MessageStatus.Queued, mine.GetProperty("status").GetString());
    }
}
