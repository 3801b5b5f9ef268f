using System.Net;
using System.Text.Json;
using AppSyncChat.Aws.Bedrock;
using Microsoft.Extensions.AI;

namespace AppSyncChat.Aws.Tests.Bedrock;

public sealed class BedrockChatClientTests
{
    [Fact]
    public async Task GetStreamingResponseAsync_OptionsAndHistory_MapToConverseRequest()
    {
        var stub = StubBedrockHandler.Stream();
        using var chat = new BedrockChatClient(BedrockRuntimeClientTests.Client(stub), "default-model", disposeClient: true);
        var tool = AIFunctionFactory.CreateDeclaration("calculate", "Evaluates", JsonDocument.Parse("""{"type":"object","properties":{"expression":{"type":"string"}}}""").RootElement);
        List<ChatMessage> history =
        [
            new(ChatRole.System, "You are terse."),
            new(ChatRole.User, "What is 2+2?"),
            new(ChatRole.User, "Use the tool."),
            new(ChatRole.Assistant, [new TextContent("Calling."), new FunctionCallContent("tu_1", "calculate", new Dictionary<string, object?> { ["expression"] = "2+2" })]),
            new(ChatRole.Tool, [new FunctionResultContent("tu_1", JsonDocument.Parse("""{"value":4}""").RootElement)]),
        ];
        var options = new ChatOptions
        {
            ModelId = "other-model",
            Instructions = "Answer in English.",
            MaxOutputTokens = 300,
            Temperature = 0.25f,
            TopP = 0.5f,
            StopSequences = ["STOP"],
            Tools = [tool],
            ToolMode = ChatToolMode.RequireSpecific("calculate"),
        };

        await foreach (var _ in chat.GetStreamingResponseAsync(history, options))
        {
        }

        Assert.EndsWith("/model/other-model/converse-stream", stub.Request!.RequestUri!.AbsolutePath, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(stub.RequestBody);
        var root = body.RootElement;
        Assert.Equal(["Answer in English.", "You are terse."], root.GetProperty("system").EnumerateArray().Select(s => s.GetProperty("text").GetString()));
        var messages = root.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(2, messages[0].GetProperty("content").GetArrayLength());
        var toolUse = messages[1].GetProperty("content")[1].GetProperty("toolUse");
        Assert.Equal(("tu_1", "calculate", "2+2"), (toolUse.GetProperty("toolUseId").GetString(), toolUse.GetProperty("name").GetString(), toolUse.GetProperty("input").GetProperty("expression").GetString()));
        var toolResult = messages[2].GetProperty("content")[0].GetProperty("toolResult");
        Assert.Equal(("tu_1", "success", 4), (toolResult.GetProperty("toolUseId").GetString(), toolResult.GetProperty("status").GetString(), toolResult.GetProperty("content")[0].GetProperty("json").GetProperty("value").GetInt32()));
        var inference = root.GetProperty("inferenceConfig");
        Assert.Equal((300, 0.25f, 0.5f, "STOP"), (inference.GetProperty("maxTokens").GetInt32(), inference.GetProperty("temperature").GetSingle(), inference.GetProperty("topP").GetSingle(), inference.GetProperty("stopSequences")[0].GetString()));
        var spec = root.GetProperty("toolConfig").GetProperty("tools")[0].GetProperty("toolSpec");
        Assert.Equal(("calculate", "Evaluates", "object"), (spec.GetProperty("name").GetString(), spec.GetProperty("description").GetString(), spec.GetProperty("inputSchema").GetProperty("json").GetProperty("type").GetString()));
        Assert.Equal("calculate", root.GetProperty("toolConfig").GetProperty("toolChoice").GetProperty("tool").GetProperty("name").GetString());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolErrorResult_SendsErrorStatus()
    {
        var stub = StubBedrockHandler.Stream();
        using var chat = new BedrockChatClient(BedrockRuntimeClientTests.Client(stub), "m");
        List<ChatMessage> history =
        [
            new(ChatRole.User, "go"),
            new(ChatRole.Assistant, [new FunctionCallContent("tu_1", "calculate")]),
            new(ChatRole.Tool, [new FunctionResultContent("tu_1", null) { Exception = new InvalidOperationException("division by zero") }]),
        ];

        await foreach (var _ in chat.GetStreamingResponseAsync(history, new ChatOptions { Tools = [AIFunctionFactory.CreateDeclaration("calculate", null, JsonDocument.Parse("{}").RootElement)] }))
        {
        }

        var result = JsonDocument.Parse(stub.RequestBody).RootElement.GetProperty("messages")[2].GetProperty("content")[0].GetProperty("toolResult");
        Assert.Equal("error", result.GetProperty("status").GetString());
        Assert.Equal("division by zero", result.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(stub.RequestBody).RootElement.GetProperty("messages")[1].GetProperty("content")[0].GetProperty("toolUse").GetProperty("input").ValueKind);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Events_MapToUpdatesKeepingBedrockDetails()
    {
        var stub = StubBedrockHandler.Stream(
            StubBedrockHandler.Event("messageStart", """{"role":"assistant"}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"hmm","signature":"sig-1"}}}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"text":"Let me "}}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"text":"check."}}"""),
            StubBedrockHandler.Event("contentBlockStop", """{"contentBlockIndex":1}"""),
            StubBedrockHandler.Event("contentBlockStart", """{"contentBlockIndex":2,"start":{"toolUse":{"toolUseId":"tu_9","name":"get_current_time"}}}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":2,"delta":{"toolUse":{"input":"{\"timezone\":"}}}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":2,"delta":{"toolUse":{"input":"\"UTC\"}"}}}"""),
            StubBedrockHandler.Event("contentBlockStop", """{"contentBlockIndex":2}"""),
            StubBedrockHandler.Event("messageStop", """{"stopReason":"tool_use"}"""),
            StubBedrockHandler.Event("metadata", """{"usage":{"inputTokens":10,"outputTokens":7,"totalTokens":17,"cacheReadInputTokens":4,"cacheWriteInputTokens":2},"metrics":{"latencyMs":321}}"""));
        using var chat = new BedrockChatClient(BedrockRuntimeClientTests.Client(stub), "m");

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync("time?"))
        {
            updates.Add(update);
        }

        Assert.All(updates, u => Assert.Equal(("req-123", "m", ChatRole.Assistant), (u.ResponseId, u.ModelId, u.Role!.Value)));
        Assert.Equal("Let me check.", string.Concat(updates.SelectMany(u => u.Contents).OfType<TextContent>().Select(t => t.Text)));
        var reasoning = Assert.Single(updates.SelectMany(u => u.Contents).OfType<TextReasoningContent>());
        Assert.Equal(("hmm", "sig-1"), (reasoning.Text, reasoning.ProtectedData));
        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("tu_9", "get_current_time", "UTC"), (call.CallId, call.Name, ((JsonElement)call.Arguments!["timezone"]!).GetString()));
        var stop = Assert.Single(updates, u => u.FinishReason is not null);
        Assert.Equal(ChatFinishReason.ToolCalls, stop.FinishReason);
        Assert.Equal("tool_use", stop.AdditionalProperties![BedrockChatClient.StopReasonKey]);
        Assert.IsType<MessageStopEvent>(stop.RawRepresentation);
        var usageUpdate = Assert.Single(updates, u => u.Contents.OfType<UsageContent>().Any());
        var usage = usageUpdate.Contents.OfType<UsageContent>().Single().Details;
        Assert.Equal((10L, 7L, 17L, 4L), (usage.InputTokenCount!.Value, usage.OutputTokenCount!.Value, usage.TotalTokenCount!.Value, usage.CachedInputTokenCount!.Value));
        Assert.Equal(2, usage.AdditionalCounts![BedrockChatClient.CacheWriteInputTokensKey]);
        Assert.Equal(321L, usageUpdate.AdditionalProperties![BedrockChatClient.LatencyMsKey]);
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("model_context_window_exceeded", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("guardrail_intervened", "content_filter")]
    [InlineData("content_filtered", "content_filter")]
    [InlineData("malformed_tool_use", "malformed_tool_use")]
    public async Task GetResponseAsync_StopReason_MapsFinishReasonAndKeepsRawValue(string stopReason, string finishReason)
    {
        using var chat = new BedrockChatClient(BedrockRuntimeClientTests.Client(new StubBedrockHandler(_ => StubBedrockHandler.Json(HttpStatusCode.OK,
            $$$"""{"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"{{{stopReason}}}","usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2},"metrics":{"latencyMs":5}}"""))), "m");

        var response = await chat.GetResponseAsync("hi");

        Assert.Equal(finishReason, response.FinishReason?.Value);
        Assert.Equal(stopReason, response.AdditionalProperties![BedrockChatClient.StopReasonKey]);
        Assert.Equal("ok", response.Text);
        Assert.Equal(2, response.Usage!.TotalTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_MalformedToolInput_ReturnsCallWithParseException()
    {
        var stub = StubBedrockHandler.Stream(
            StubBedrockHandler.Event("contentBlockStart", """{"contentBlockIndex":0,"start":{"toolUse":{"toolUseId":"tu","name":"calculate"}}}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"expression\":"}}}"""),
            StubBedrockHandler.Event("contentBlockStop", """{"contentBlockIndex":0}"""));
        using var chat = new BedrockChatClient(BedrockRuntimeClientTests.Client(stub), "m");

        var calls = new List<FunctionCallContent>();
        await foreach (var update in chat.GetStreamingResponseAsync("x"))
        {
            calls.AddRange(update.Contents.OfType<FunctionCallContent>());
        }

        Assert.IsType<JsonException>(Assert.Single(calls).Exception, exactMatch: false);
    }

    [Fact]
    public void GetService_Metadata_DescribesProviderAndModel()
    {
        using var chat = new BedrockChatClient(BedrockRuntimeClientTests.Client(StubBedrockHandler.Stream()), "m");

        var metadata = chat.GetService<ChatClientMetadata>();

        Assert.Equal(("aws.bedrock", "m"), (metadata!.ProviderName, metadata.DefaultModelId));
        Assert.NotNull(chat.GetService<BedrockRuntimeClient>());
    }
}
