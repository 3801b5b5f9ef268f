using System.Text.Json.Nodes;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Integration.Tests.Fixtures;

namespace AppSyncChat.Integration.Tests.Api;

/// <summary>The Api through the Local stack: GraphQL over HTTP → sidecar → Lambda Invoke → Api resolver → DynamoDB/SQS → Worker.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class ApiEndToEndTests(LocalStackFixture fixture)
{
    private readonly GraphQLCaller _anonymous = new(fixture, asUser: false);
    private readonly GraphQLCaller _user = new(fixture, asUser: true);

    [Fact]
    public async Task SendMessage_OverGraphQL_AnswerIsStoredWithChecksumAndUsage()
    {
        var sent = await _user.SendAsync("Explain what a lighthouse does.", GraphQLCaller.NewRequestId());
        var c = sent.GetProperty("conversationId").GetString()!;
        var a = sent.GetProperty("assistantMessageId").GetString()!;
        Assert.Equal($"/chat/{c}", sent.GetProperty("channel").GetString());
        Assert.Equal("QUEUED", sent.GetProperty("status").GetString());

        var answer = await _user.WaitForFinalAsync(c, a);

        Assert.Equal("COMPLETED", answer.GetProperty("status").GetString());
        var text = answer.GetProperty("text").GetString()!;
        Assert.NotEmpty(text);
        Assert.Equal(text.Length, answer.GetProperty("offset").GetInt32());
        Assert.Equal(TextChecksum.Of(text), answer.GetProperty("checksum").GetString());
        Assert.True(answer.GetProperty("usage").GetProperty("outputTokens").GetInt32() > 0);
        var conversation = await _user.DataAsync(GraphQLCaller.Get, "getConversation", new JsonObject { ["id"] = c });
        Assert.Equal("Explain what a lighthouse does.", conversation.GetProperty("title").GetString());
    }

    [Fact]
    public async Task SendMessage_RetriedWithSameClientRequestId_SameIdsAndOneAnswer()
    {
        var requestId = GraphQLCaller.NewRequestId();
        var first = await _anonymous.SendAsync("Name three rivers.", requestId);
        var second = await _anonymous.SendAsync("Name three rivers.", requestId);

        Assert.Equal(first.GetProperty("assistantMessageId").GetString(), second.GetProperty("assistantMessageId").GetString());
        var c = first.GetProperty("conversationId").GetString()!;
        await _anonymous.WaitForFinalAsync(c, first.GetProperty("assistantMessageId").GetString()!);
        var conversation = await _anonymous.DataAsync(GraphQLCaller.Get, "getConversation", new JsonObject { ["id"] = c });
        Assert.Equal(2, conversation.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task SendMessage_WhileAnswering_ConflictThenStopCancelsKeepingPartialText()
    {
        var sent = await _anonymous.SendAsync("Tell me a long story about the sea. [[ttft=300]] [[rate=20]] [[tokens=400]]", GraphQLCaller.NewRequestId());
        var c = sent.GetProperty("conversationId").GetString()!;
        var a = sent.GetProperty("assistantMessageId").GetString()!;

        var busy = await _anonymous.PostAsync(GraphQLCaller.SendMessage, new JsonObject
        {
            ["input"] = new JsonObject { ["text"] = "And another", ["clientRequestId"] = GraphQLCaller.NewRequestId(), ["conversationId"] = c },
        });
        Assert.Equal("Conflict", busy.FirstErrorType);

        await Task.Delay(800); // let some text stream
        var stop = await _anonymous.DataAsync(GraphQLCaller.Stop, "stopGeneration", new JsonObject { ["input"] = new JsonObject { ["conversationId"] = c, ["messageId"] = a } });
        Assert.True(stop.GetProperty("accepted").GetBoolean());

        var answer = await _anonymous.WaitForFinalAsync(c, a);
        Assert.Equal("CANCELLED", answer.GetProperty("status").GetString());
        var again = await _anonymous.DataAsync(GraphQLCaller.Stop, "stopGeneration", new JsonObject { ["input"] = new JsonObject { ["conversationId"] = c, ["messageId"] = a } });
        Assert.False(again.GetProperty("accepted").GetBoolean());
        Assert.Equal("CANCELLED", again.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Regenerate_AfterAnswer_SecondAttemptForTheSamePrompt()
    {
        var sent = await _user.SendAsync("Suggest a name for a cat.", GraphQLCaller.NewRequestId());
        var c = sent.GetProperty("conversationId").GetString()!;
        await _user.WaitForFinalAsync(c, sent.GetProperty("assistantMessageId").GetString()!);

        var again = await _user.DataAsync(GraphQLCaller.Regenerate, "regenerate", new JsonObject { ["input"] = new JsonObject { ["conversationId"] = c, ["clientRequestId"] = GraphQLCaller.NewRequestId() } });

        Assert.Equal(sent.GetProperty("userMessageId").GetString(), again.GetProperty("userMessageId").GetString());
        Assert.Equal(2, again.GetProperty("turn").GetInt32());
        var answer = await _user.WaitForFinalAsync(c, again.GetProperty("assistantMessageId").GetString()!);
        Assert.Equal("COMPLETED", answer.GetProperty("status").GetString());
        Assert.Equal(2, answer.GetProperty("turn").GetInt32());
    }

    [Fact]
    public async Task Access_OtherOwnersConversation_SameNotFoundAsUnknown()
    {
        var sent = await _user.SendAsync("My private note.", GraphQLCaller.NewRequestId());
        var c = sent.GetProperty("conversationId").GetString()!;

        var foreign = await _anonymous.PostAsync(GraphQLCaller.Get, new JsonObject { ["id"] = c });
        var unknown = await _anonymous.PostAsync(GraphQLCaller.Get, new JsonObject { ["id"] = "ffffffffffffffffffffffffffffffff" });
        var stop = await _anonymous.PostAsync(GraphQLCaller.Stop, new JsonObject { ["input"] = new JsonObject { ["conversationId"] = c, ["messageId"] = sent.GetProperty("assistantMessageId").GetString() } });
        var list = await _anonymous.PostAsync(GraphQLCaller.List, new JsonObject { ["limit"] = 100 });

        Assert.Equal("NotFound", foreign.FirstErrorType);
        Assert.Equal("NotFound", unknown.FirstErrorType);
        Assert.Equal("NotFound", stop.FirstErrorType);
        Assert.Equal(
            foreign.Body.GetProperty("errors")[0].GetProperty("message").GetString()!.Replace(c, "ID", StringComparison.Ordinal),
            unknown.Body.GetProperty("errors")[0].GetProperty("message").GetString()!.Replace("ffffffffffffffffffffffffffffffff", "ID", StringComparison.Ordinal));
        Assert.Equal("Unauthorized", list.FirstErrorType); // API-key callers cannot list at all (docs/security.md)
        Assert.Contains((await _user.DataAsync(GraphQLCaller.List, "listConversations", new JsonObject { ["limit"] = 100 })).GetProperty("items").EnumerateArray(), i => i.GetProperty("conversationId").GetString() == c);
    }

    public static TheoryData<string, string> BadInputs() => new()
    {
        // input (JSON) → errorType
        { """{"text":"","clientRequestId":"bad-1"}""", "ValidationError" },
        { """{"text":"hi","clientRequestId":"bad id"}""", "ValidationError" },
        { """{"text":"hi","clientRequestId":"bad-3","settings":{"temperature":2}}""", "ValidationError" },
        { """{"text":"hi","clientRequestId":"bad-4","settings":{"maxTokens":0}}""", "ValidationError" },
        { """{"text":"hi","clientRequestId":"bad-5","conversationId":"ffffffffffffffffffffffffffffffff"}""", "NotFound" },
        { """{"text":"hi","clientRequestId":"bad-6","colour":"blue"}""", "ValidationError" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task SendMessage_BadInput_TypedErrorAndNothingStored(string input, string errorType)
    {
        var caller = new GraphQLCaller(fixture, asUser: true);
        var before = await ConversationCountAsync(caller);

        var response = await caller.PostAsync(GraphQLCaller.SendMessage, new JsonObject { ["input"] = JsonNode.Parse(input) });

        Assert.Equal(errorType, response.FirstErrorType);
        Assert.False(string.IsNullOrWhiteSpace(response.Body.GetProperty("errors")[0].GetProperty("message").GetString()));
        Assert.Equal(before, await ConversationCountAsync(caller));
    }

    private static async Task<int> ConversationCountAsync(GraphQLCaller caller)
    {
        var count = 0;
        string? next = null;
        do
        {
            var page = await caller.DataAsync(GraphQLCaller.List, "listConversations", new JsonObject { ["limit"] = 100, ["next"] = next });
            count += page.GetProperty("items").GetArrayLength();
            next = page.GetProperty("nextToken").GetString();
        }
        while (next is not null);

        return count;
    }
}
