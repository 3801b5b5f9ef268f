using System.Net;
using System.Text.Json;
using AppSyncChat.Aws.Bedrock;
using Microsoft.Extensions.AI;

namespace AppSyncChat.Local.Tests.Bedrock;

/// <summary>Our own IChatClient over the emulator, through real HTTP, SigV4 and event-stream framing.</summary>
public sealed class BedrockChatClientEmulatorTests(BedrockEmulatorFixture fixture) : IClassFixture<BedrockEmulatorFixture>
{
    private static readonly AIFunctionDeclaration CurrentTime = AIFunctionFactory.CreateDeclaration(
        "get_current_time", "Current time in a time zone", JsonDocument.Parse("""{"type":"object","properties":{"timezone":{"type":"string"}},"required":["timezone"]}""").RootElement);

    private static readonly AIFunctionDeclaration Calculate = AIFunctionFactory.CreateDeclaration(
        "calculate", "Evaluates an arithmetic expression", JsonDocument.Parse("""{"type":"object","properties":{"expression":{"type":"string"}},"required":["expression"]}""").RootElement);

    [Fact]
    public async Task GetStreamingResponseAsync_PlainPrompt_StreamsReadableAnswerWithUsageAndStopReason()
    {
        using var client = fixture.CreateChatClient();

        var updates = await CollectAsync(client.GetStreamingResponseAsync("Explain how sourdough fermentation works [[tokens=30]]"));

        var text = string.Concat(updates.SelectMany(u => u.Contents).OfType<TextContent>().Select(t => t.Text));
        Assert.StartsWith("You asked about sourdough and fermentation.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[[", text, StringComparison.Ordinal);
        Assert.Equal(30, updates.Count(u => u.Contents.OfType<TextContent>().Any()));
        var stop = Assert.Single(updates, u => u.FinishReason is not null);
        Assert.Equal(ChatFinishReason.Stop, stop.FinishReason);
        Assert.Equal("end_turn", stop.AdditionalProperties?[BedrockChatClient.StopReasonKey]);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.Equal(30, usage.OutputTokenCount);
        Assert.True(usage.InputTokenCount > 0);
        Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
        Assert.All(updates, u => Assert.False(string.IsNullOrEmpty(u.ResponseId)));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_SamePromptTwice_AnswersIdentically()
    {
        using var client = fixture.CreateChatClient();

        var first = (await CollectAsync(client.GetStreamingResponseAsync("Why is the sky blue?"))).ToChatResponse().Text;
        var second = (await CollectAsync(client.GetStreamingResponseAsync("Why is the sky blue?"))).ToChatResponse().Text;

        Assert.Equal(first, second);
        Assert.Contains("blue", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolTurnThenResult_CallsToolAndUsesItsResult()
    {
        using var client = fixture.CreateChatClient();
        var options = new ChatOptions { Tools = [CurrentTime, Calculate] };
        List<ChatMessage> history = [new(ChatRole.User, "What time is it right now?")];

        var first = await CollectAsync(client.GetStreamingResponseAsync(history, options));

        var call = Assert.Single(first.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_current_time", call.Name);
        Assert.StartsWith("tooluse_", call.CallId, StringComparison.Ordinal);
        Assert.Equal("UTC", ((JsonElement)call.Arguments!["timezone"]!).GetString());
        var stop = Assert.Single(first, u => u.FinishReason is not null);
        Assert.Equal(ChatFinishReason.ToolCalls, stop.FinishReason);
        Assert.Equal("tool_use", stop.AdditionalProperties?[BedrockChatClient.StopReasonKey]);

        history.AddMessages(first);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, "09:41 UTC")]));
        var second = await CollectAsync(client.GetStreamingResponseAsync(history, options));

        var answer = second.ToChatResponse();
        Assert.Contains("The current time from get_current_time is 09:41 UTC.", answer.Text, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, answer.FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_CalculatePrompt_ReturnsToolCallWithExpression()
    {
        using var client = fixture.CreateChatClient();

        var response = await client.GetResponseAsync("Please calculate 12*(3+4) for me", new ChatOptions { Tools = [CurrentTime, Calculate] });

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("calculate", call.Name);
        Assert.Equal("12*(3+4)", ((JsonElement)call.Arguments!["expression"]!).GetString());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal("tool_use", response.AdditionalProperties?[BedrockChatClient.StopReasonKey]);
    }

    [Fact]
    public async Task GetResponseAsync_TimePromptWithoutTools_AnswersWithText()
    {
        using var client = fixture.CreateChatClient();

        var response = await client.GetResponseAsync("What time is it? [[tokens=12]]", new ChatOptions { MaxOutputTokens = 100 });

        Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(12, response.Usage?.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.False(string.IsNullOrEmpty(response.ResponseId));
    }

    [Fact]
    public async Task GetResponseAsync_MaxOutputTokensBelowAnswer_StopsWithLength()
    {
        using var client = fixture.CreateChatClient();

        var response = await client.GetResponseAsync("Describe the history of bridges [[tokens=40]]", new ChatOptions { MaxOutputTokens = 5 });

        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal("max_tokens", response.AdditionalProperties?[BedrockChatClient.StopReasonKey]);
        Assert.Equal(5, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StopSequence_CutsTextAndReportsStopSequence()
    {
        using var client = fixture.CreateChatClient();

        var updates = await CollectAsync(client.GetStreamingResponseAsync("Tell me about glaciers [[tokens=40]]", new ChatOptions { StopSequences = ["short answer"] }));

        var response = updates.ToChatResponse();
        Assert.Equal("stop_sequence", updates.Single(u => u.FinishReason is not null).AdditionalProperties?[BedrockChatClient.StopReasonKey]);
        Assert.DoesNotContain("short answer", response.Text, StringComparison.Ordinal);
        Assert.EndsWith("Here is a ", response.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("throttle", "ThrottlingException", 429, true, BedrockErrorPhase.BeforeStream)]
    [InlineData("validation", "ValidationException", 400, false, BedrockErrorPhase.BeforeStream)]
    [InlineData("stream-throttle", "ThrottlingException", 429, true, BedrockErrorPhase.InStream)]
    [InlineData("stream-error", "ModelStreamErrorException", 424, false, BedrockErrorPhase.InStream)]
    public async Task GetStreamingResponseAsync_InjectedFault_ThrowsTypedException(string fault, string code, int status, bool retryable, BedrockErrorPhase phase)
    {
        using var client = fixture.CreateChatClient();
        var texts = new List<string>();

        var error = await Assert.ThrowsAsync<BedrockRuntimeException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync($"Talk about rivers [[fault={fault}]] [[at=3]] [[tokens=10]]"))
            {
                texts.Add(update.Text);
            }
        });

        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(retryable, error.IsRetryable);
        Assert.Equal(phase, error.Phase);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
        Assert.Equal(phase == BedrockErrorPhase.InStream ? 3 : 0, texts.Count(t => t.Length > 0));
        if (fault == "stream-error")
        {
            Assert.Equal(500, error.OriginalStatusCode);
        }
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ArnModelId_IsRoutedAndVerified()
    {
        const string arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";
        using var client = fixture.CreateChatClient(arn);

        var updates = await CollectAsync(client.GetStreamingResponseAsync("Hello there [[tokens=3]]"));
        using var http = new HttpClient();
        var info = await http.GetStringAsync(new Uri(fixture.Server.BaseAddress, "_emulator/requests/" + updates[0].ResponseId));

        Assert.Equal(arn, JsonDocument.Parse(info).RootElement.GetProperty("modelId").GetString());
    }

    [Fact]
    public async Task ConverseStream_WrongSecret_IsRejectedWithSignatureError()
    {
        using var client = fixture.CreateClient(new Amazon.Runtime.BasicAWSCredentials(Local.Signing.SigV4VerifierOptions.LocalAccessKeyId, "wrong-secret"));

        var error = await Assert.ThrowsAsync<BedrockRuntimeException>(() => client.ConverseAsync(BedrockEmulatorFixture.ModelId, Request("hi")));

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.Equal(403, error.StatusCode);
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public async Task Converse_BearerApiKey_AcceptsConfiguredKeyAndRejectsOthers()
    {
        using var good = BedrockRuntimeClient.CreateWithApiKey(BedrockEmulatorFixture.ApiKey, "us-east-1", fixture.Server.BaseAddress);
        using var bad = BedrockRuntimeClient.CreateWithApiKey("not-a-key", "us-east-1", fixture.Server.BaseAddress);

        var response = await good.ConverseAsync(BedrockEmulatorFixture.ModelId, Request("hello world"));
        var error = await Assert.ThrowsAsync<BedrockRuntimeException>(() => bad.ConverseAsync(BedrockEmulatorFixture.ModelId, Request("hello world")));

        Assert.Equal("end_turn", response.StopReason);
        Assert.Equal(403, error.StatusCode);
    }

    [Fact]
    public async Task Converse_BadRequests_AreValidationExceptions()
    {
        using var client = fixture.CreateClient();
        ConverseRequest[] bad =
        [
            new ConverseRequest(),
            new ConverseRequest { Messages = [new BedrockMessage("assistant", [new ContentBlock { Text = "hi" }])] },
            new ConverseRequest { Messages = [new BedrockMessage("user", [new ContentBlock { Text = "   " }])] },
            Request("hi") with { InferenceConfig = new InferenceConfiguration { Temperature = 1.5f } },
            Request("hi") with { InferenceConfig = new InferenceConfiguration { MaxTokens = 0 } },
            Request("hi [[rate=fast]]"),
            Request("hi [[fault=meteor]]"),
        ];

        foreach (var request in bad)
        {
            var error = await Assert.ThrowsAsync<BedrockRuntimeException>(() => client.ConverseAsync(BedrockEmulatorFixture.ModelId, request));
            Assert.Equal("ValidationException", error.ErrorCode);
            Assert.Equal(400, error.StatusCode);
        }
    }

    [Fact]
    public async Task RequestInfo_AfterStream_ListsEachTokenWithItsEmissionTime()
    {
        using var client = fixture.CreateChatClient();
        var updates = await CollectAsync(client.GetStreamingResponseAsync("Name three rivers [[tokens=8]]"));
        using var http = new HttpClient();

        using var info = JsonDocument.Parse(await http.GetStringAsync(new Uri(fixture.Server.BaseAddress, "_emulator/requests/" + updates[0].ResponseId)));
        var root = info.RootElement;
        var tokens = root.GetProperty("tokens").EnumerateArray().ToList();
        var missing = await http.GetAsync(new Uri(fixture.Server.BaseAddress, "_emulator/requests/no-such-request"));

        Assert.Equal("ConverseStream", root.GetProperty("operation").GetString());
        Assert.Equal("completed", root.GetProperty("outcome").GetString());
        Assert.Equal("end_turn", root.GetProperty("stopReason").GetString());
        Assert.Equal(8, tokens.Count);
        Assert.Equal(updates.ToChatResponse().Text, string.Concat(tokens.Select(t => t.GetProperty("text").GetString())));
        var times = tokens.Select(t => t.GetProperty("emittedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Equal(times[0], root.GetProperty("firstTokenAt").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CancelledAfterFirstToken_AbortsAndEmulatorStops()
    {
        using var client = fixture.CreateChatClient();
        using var cts = new CancellationTokenSource();
        string? requestId = null;
        var started = DateTimeOffset.UtcNow;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("Tell me a long story [[rate=2]] [[tokens=100]]", cancellationToken: cts.Token))
            {
                requestId ??= update.ResponseId;
                if (update.Text.Length > 0)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(5), "cancellation must not wait for the stream");
        using var http = new HttpClient();
        string outcome;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        do
        {
            using var info = JsonDocument.Parse(await http.GetStringAsync(new Uri(fixture.Server.BaseAddress, "_emulator/requests/" + requestId)));
            outcome = info.RootElement.GetProperty("outcome").GetString()!;
        }
        while (outcome == "running" && DateTimeOffset.UtcNow < deadline && await Task.Delay(50).ContinueWith(_ => true));

        Assert.Contains(outcome, new[] { "cancelled", "client disconnected" });
    }

    private static ConverseRequest Request(string text) => new() { Messages = [new BedrockMessage("user", [new ContentBlock { Text = text }])] };

    private static async Task<List<ChatResponseUpdate>> CollectAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        var list = new List<ChatResponseUpdate>();
        await foreach (var update in updates)
        {
            list.Add(update);
        }

        return list;
    }
}
