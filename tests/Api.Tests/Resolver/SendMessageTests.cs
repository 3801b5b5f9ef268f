using System.Text.Json;
using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Tests.Fixtures;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Conversations.Model;

namespace AppSyncChat.Api.Tests.Resolver;

[Collection(DynaliteCollection.Name)]
public sealed class SendMessageTests(DynaliteFixture dynalite) : ResolverTestBase(dynalite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task SendMessage_NewConversation_StoresTurnEnqueuesAndReturnsChannel()
    {
        var result = await SendAsync("What is the capital of France, and why is it famous?", "req-1", settings: """{"maxTokens":256,"temperature":0.5}""");

        var conversationId = result.GetProperty("conversationId").GetString()!;
        var userId = result.GetProperty("userMessageId").GetString()!;
        var assistantId = result.GetProperty("assistantMessageId").GetString()!;
        Assert.Equal($"/chat/{conversationId}", result.GetProperty("channel").GetString());
        Assert.Equal(1, result.GetProperty("turn").GetInt32());
        Assert.Equal("QUEUED", result.GetProperty("status").GetString());
        Assert.True(string.CompareOrdinal(userId, assistantId) < 0, "the assistant message sorts after the user message");

        var conversation = await Store.GetConversationAsync(conversationId, None);
        Assert.Equal("anonymous", conversation!.OwnerId);
        Assert.Equal("What is the capital of France, and why…", conversation.Title); // the first eight words
        Assert.Equal(assistantId, conversation.ActiveMessageId);
        var messages = await Store.GetMessagesAsync(conversationId, null, None);
        Assert.Equal([(Roles.User, MessageStatus.Completed), (Roles.Assistant, MessageStatus.Queued)], messages.Select(m => (m.Role, m.Status)));
        Assert.Equal(256, messages[1].Settings!.MaxTokens);

        var sent = Assert.Single(Sqs.Sent);
        Assert.Equal(QueueUrl, sent.QueueUrl);
        var turn = Assert.Single(SentTurns());
        Assert.Equal((conversationId, userId, assistantId, 1, "req-1"), (turn.ConversationId, turn.UserMessageId, turn.AssistantMessageId, turn.Turn, turn.RequestId));
        Assert.Equal(0.5f, turn.Settings!.Temperature);
        // Trace context continues the Lambda's X-Ray trace, in the body and as a message attribute.
        Assert.Matches("^00-5759e988bd862e3fe1be46a994272793-[0-9a-f]{16}-01$", turn.TraceParent);
        Assert.Equal(turn.TraceParent, sent.MessageAttributes["traceparent"].StringValue);
        Assert.Equal("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", sent.MessageSystemAttributes["AWSTraceHeader"].StringValue);
    }

    [Fact]
    public async Task SendMessage_IncomingTraceparentHeader_IsContinued()
    {
        await InvokeAsync("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"t-1"}}""", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        Assert.Matches("^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$", Assert.Single(SentTurns()).TraceParent);
    }

    [Fact]
    public async Task SendMessage_RetryWithSameClientRequestId_ReturnsFirstResultAndEnqueuesOnce()
    {
        var first = await SendAsync("Hello", "retry-1");
        var before = await TableSnapshotAsync();

        var second = await SendAsync("Hello", "retry-1");

        Assert.Equal(first.GetProperty("assistantMessageId").GetString(), second.GetProperty("assistantMessageId").GetString());
        Assert.Equal(first.GetProperty("conversationId").GetString(), second.GetProperty("conversationId").GetString());
        Assert.Single(Sqs.Sent);
        Assert.Equal(before, await TableSnapshotAsync());
    }

    [Fact]
    public async Task SendMessage_RetryAfterTurnStarted_ReportsCurrentStatus()
    {
        var first = await SendAsync("Hello", "retry-2");
        var c = first.GetProperty("conversationId").GetString()!;
        var a = first.GetProperty("assistantMessageId").GetString()!;
        await Store.ClaimAsync(c, a, 1, new TurnLease("w1", Clock.GetUtcNow().AddMinutes(1)), None);

        var retry = await SendAsync("Hello", "retry-2");

        Assert.Equal("STREAMING", retry.GetProperty("status").GetString());
        Assert.Single(Sqs.Sent);
    }

    [Fact]
    public async Task SendMessage_RetryIntoBusyConversationOfItsOwnTurn_NotAConflict()
    {
        var first = await SendAsync("Hello", "own-1");
        var c = first.GetProperty("conversationId").GetString()!;
        await CompleteAsync(c, first.GetProperty("assistantMessageId").GetString()!, "Hi");
        var second = await SendAsync("More", "own-2", c);

        var retry = await SendAsync("More", "own-2", c);

        Assert.Equal(second.GetProperty("assistantMessageId").GetString(), retry.GetProperty("assistantMessageId").GetString());
        Assert.Equal(2, Sqs.Sent.Count);
        await ExpectErrorAsync<Conflict>(() => SendAsync("Other", "own-3", c));
    }

    [Fact]
    public async Task SendMessage_ConcurrentIdenticalRequests_SameIdsOneEnqueue()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SendAsync("Hello at once", "burst-1")));

        Assert.Single(results.Select(r => r.GetProperty("assistantMessageId").GetString()).Distinct());
        Assert.Single(Sqs.Sent);
    }

    [Fact]
    public async Task SendMessage_SameClientRequestIdDifferentText_ValidationErrorAndNothingChanges()
    {
        await SendAsync("Hello", "reuse-1");
        var before = await TableSnapshotAsync();

        var error = await ExpectErrorAsync<ValidationError>(() => SendAsync("Something else", "reuse-1"));

        Assert.Contains("reuse-1", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await TableSnapshotAsync());
        Assert.Single(Sqs.Sent);
    }

    [Fact]
    public async Task SendMessage_SameClientRequestIdOtherOwner_IsAnIndependentRequest()
    {
        var mine = await SendAsync("Hello", "shared-id", identity: Alice);
        var theirs = await SendAsync("Hello", "shared-id", identity: Bob);

        Assert.NotEqual(mine.GetProperty("conversationId").GetString(), theirs.GetProperty("conversationId").GetString());
        Assert.Equal(2, Sqs.Sent.Count);
    }

    [Fact]
    public async Task SendMessage_WhileTurnRuns_ConflictAndNothingStored()
    {
        var first = await SendAsync("Tell me a long story", "run-1");
        var c = first.GetProperty("conversationId").GetString()!;
        var before = await TableSnapshotAsync();

        var error = await ExpectErrorAsync<Conflict>(() => SendAsync("And another", "run-2", c));

        Assert.Contains(first.GetProperty("assistantMessageId").GetString()!, error.Message, StringComparison.Ordinal);
        Assert.True(error.Retryable);
        Assert.Equal(before, await TableSnapshotAsync());
        Assert.Single(Sqs.Sent);

        // Once the turn is over, the same client request id goes through (the rejected attempt left nothing).
        await CompleteAsync(c, first.GetProperty("assistantMessageId").GetString()!, "Once upon a time.");
        var second = await SendAsync("And another", "run-2", c);
        Assert.Equal(c, second.GetProperty("conversationId").GetString());
        Assert.Equal(2, Sqs.Sent.Count);
        var messages = await Store.GetMessagesAsync(c, null, None);
        Assert.Equal(["Tell me a long story", "Once upon a time.", "And another", ""], messages.Select(m => m.Text));
    }

    [Fact]
    public async Task SendMessage_SqsDown_InternalErrorThenRetryEnqueuesExactlyOnce()
    {
        Sqs.FailNext();

        var error = await ExpectErrorAsync<InternalError>(() => SendAsync("Hello", "sqs-1"));
        Assert.True(error.Retryable);
        Assert.Contains("request id", error.Message, StringComparison.Ordinal);
        Assert.Empty(Sqs.Sent);

        var retry = await SendAsync("Hello", "sqs-1");

        Assert.Equal(retry.GetProperty("assistantMessageId").GetString(), Assert.Single(SentTurns()).AssistantMessageId);
        Assert.Single(await Store.GetMessagesAsync(retry.GetProperty("conversationId").GetString()!, null, None), m => m.Role == Roles.Assistant);
    }

    [Fact]
    public async Task SendMessage_RetryAfterCrashMidEnqueue_WaitsThenTakesOverOnce()
    {
        // The first attempt crashed after marking ENQUEUING, before SQS confirmed: simulate by failing
        // the send and putting the record back into ENQUEUING as the crashed attempt would have left it.
        var first = await SendAsync("Hello", "crash-1");
        Assert.Single(Sqs.Sent);
        Sqs.Sent.Clear();
        var record = (await Store.GetRequestAsync("anonymous", "crash-1", None))!;
        await Client.UpdateItemAsync(new Amazon.DynamoDBv2.Model.UpdateItemRequest
        {
            TableName = TableName,
            Key = new() { ["PK"] = new() { S = $"REQ#anonymous#crash-1" }, ["SK"] = new() { S = "REQ" } },
            UpdateExpression = "SET #s = :e, #t = :t",
            ExpressionAttributeNames = new() { ["#s"] = "state", ["#t"] = "enqueueStartedAtMs" },
            ExpressionAttributeValues = new() { [":e"] = new() { S = "ENQUEUING" }, [":t"] = new() { N = Clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) } },
        });

        // Within the takeover window a retry trusts the running attempt.
        await SendAsync("Hello", "crash-1");
        Assert.Empty(Sqs.Sent);

        // After it, the retry sends (the message is still QUEUED, so nobody got it)...
        Clock.Advance(Options.EnqueueTakeoverAfter + TimeSpan.FromSeconds(1));
        var retry = await SendAsync("Hello", "crash-1");
        Assert.Equal(record.AssistantMessageId, Assert.Single(SentTurns()).AssistantMessageId);
        Assert.Equal(first.GetProperty("assistantMessageId").GetString(), retry.GetProperty("assistantMessageId").GetString());

        // ...and the record is DONE: later retries never send again.
        Clock.Advance(TimeSpan.FromMinutes(5));
        await SendAsync("Hello", "crash-1");
        Assert.Single(Sqs.Sent);
        Assert.Equal("DONE", (await Store.GetRequestAsync("anonymous", "crash-1", None))!.State);
    }

    [Fact]
    public async Task SendMessage_TakeoverFindsTurnAlreadyClaimed_DoesNotEnqueueAgain()
    {
        var first = await SendAsync("Hello", "crash-2");
        Sqs.Sent.Clear();
        var c = first.GetProperty("conversationId").GetString()!;
        var a = first.GetProperty("assistantMessageId").GetString()!;
        await Client.UpdateItemAsync(new Amazon.DynamoDBv2.Model.UpdateItemRequest
        {
            TableName = TableName,
            Key = new() { ["PK"] = new() { S = $"REQ#anonymous#crash-2" }, ["SK"] = new() { S = "REQ" } },
            UpdateExpression = "SET #s = :e, #t = :t",
            ExpressionAttributeNames = new() { ["#s"] = "state", ["#t"] = "enqueueStartedAtMs" },
            ExpressionAttributeValues = new() { [":e"] = new() { S = "ENQUEUING" }, [":t"] = new() { N = "1" } },
        });
        await Store.ClaimAsync(c, a, 1, new TurnLease("w1", Clock.GetUtcNow().AddMinutes(1)), None);

        var retry = await SendAsync("Hello", "crash-2");

        Assert.Empty(Sqs.Sent);
        Assert.Equal("STREAMING", retry.GetProperty("status").GetString());
        Assert.Equal("DONE", (await Store.GetRequestAsync("anonymous", "crash-2", None))!.State);
    }

    [Fact]
    public async Task SendMessage_ActivePointerLeftOnFinalMessage_IsRepairedAndSendSucceeds()
    {
        var first = await SendAsync("Hello", "repair-1");
        var c = first.GetProperty("conversationId").GetString()!;
        var a = first.GetProperty("assistantMessageId").GetString()!;
        await CompleteAsync(c, a, "Hi!");
        // A finish that crashed between its two writes leaves the pointer behind.
        await Store.StartTurnAsync(new AppSyncChat.Conversations.Store.StartTurnCommand(c, "anonymous", false, a, null, null), None);

        var next = await SendAsync("Again", "repair-2", c);

        Assert.Equal(2, Sqs.Sent.Count);
        Assert.Equal(next.GetProperty("assistantMessageId").GetString(), (await Store.GetConversationAsync(c, None))!.ActiveMessageId);
    }

    [Fact]
    public async Task SendMessage_LockOfACrashedRequest_FreedAfterOrphanDelay()
    {
        var first = await SendAsync("Hello", "orphan-1");
        var c = first.GetProperty("conversationId").GetString()!;
        await CompleteAsync(c, first.GetProperty("assistantMessageId").GetString()!, "Hi");
        // A request that crashed right after locking the conversation: its assistant message never got written.
        var ghost = AppSyncChat.Conversations.Ids.MessageIds.NewAfter(Clock.GetUtcNow(), (await Store.GetConversationAsync(c, None))!.LastMessageId);
        await Store.StartTurnAsync(new AppSyncChat.Conversations.Store.StartTurnCommand(c, "anonymous", false, ghost, null, null), None);
        await ExpectErrorAsync<Conflict>(() => SendAsync("Next", "orphan-2", c));

        Clock.Advance(Options.OrphanLockAfter);
        var next = await SendAsync("Next", "orphan-2", c);

        Assert.Equal(next.GetProperty("assistantMessageId").GetString(), (await Store.GetConversationAsync(c, None))!.ActiveMessageId);
        Assert.Equal(2, Sqs.Sent.Count);
    }

    [Fact]
    public async Task SendMessage_AbandonedQueuedTurn_IsFailedAndNewTurnStarts()
    {
        var first = await SendAsync("Hello", "stuck-1");
        var c = first.GetProperty("conversationId").GetString()!;
        await ExpectErrorAsync<Conflict>(() => SendAsync("Anyone?", "stuck-2", c));

        Clock.Advance(Options.AbandonedTurnAfter);
        await SendAsync("Anyone?", "stuck-2", c);

        var old = await Store.GetMessageAsync(c, first.GetProperty("assistantMessageId").GetString()!, None);
        Assert.Equal(MessageStatus.Failed, old!.Status);
        Assert.Equal("TurnAbandoned", old.Error!.Code);
        Assert.Equal(2, Sqs.Sent.Count);
    }

    [Fact]
    public async Task SendMessage_OtherOwnersConversation_NotFoundLikeAnUnknownId()
    {
        var alices = await SendAsync("Private", "priv-1", identity: Alice);
        var c = alices.GetProperty("conversationId").GetString()!;
        var before = await TableSnapshotAsync();

        var forbidden = await ExpectErrorAsync<NotFound>(() => SendAsync("Let me in", "bob-1", c, identity: Bob));
        var unknown = await ExpectErrorAsync<NotFound>(() => SendAsync("Let me in", "bob-2", "ffffffffffffffffffffffffffffffff", identity: Bob));

        Assert.Equal(forbidden.Message.Replace(c, "ID", StringComparison.Ordinal), unknown.Message.Replace("ffffffffffffffffffffffffffffffff", "ID", StringComparison.Ordinal));
        Assert.Equal(before, await TableSnapshotAsync());
        Assert.Single(Sqs.Sent);
    }

    [Fact]
    public async Task BatchInvoke_ArrayOfEvents_ReturnsItemsInOrderWithPerItemErrors()
    {
        var sent = await SendAsync("Hello", "batch-1");
        var c = sent.GetProperty("conversationId").GetString()!;

        var result = await InvokeRawAsync($"[{Event("Query", "getConversation", $$"""{"conversationId":"{{c}}"}""", ApiKey)},{Event("Query", "getConversation", """{"conversationId":"-bad-"}""", ApiKey)}]");

        Assert.Equal(JsonValueKind.Array, result.ValueKind);
        Assert.Equal(c, result[0].GetProperty("data").GetProperty("conversationId").GetString());
        Assert.Equal("ValidationError", result[1].GetProperty("errorType").GetString());
    }
}
