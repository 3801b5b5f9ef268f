using System.IO.Pipelines;
using System.Net;
using System.Text.Json;
using AppSyncChat.Aws.Bedrock;
using AppSyncChat.Aws.EventStream;

namespace AppSyncChat.Aws.Tests.Bedrock;

public sealed class BedrockRuntimeClientTests
{
    private const string ModelArn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";

    [Fact]
    public async Task ConverseStreamAsync_ArnModelId_IsOnePercentEncodedPathSegment()
    {
        var stub = StubBedrockHandler.Stream(StubBedrockHandler.Event("messageStart", """{"role":"assistant"}"""));
        using var client = Client(stub);

        await foreach (var _ in client.ConverseStreamAsync(ModelArn, Request("hi")))
        {
        }

        Assert.Equal(
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream",
            stub.Request!.RequestUri!.PathAndQuery);
        Assert.Equal(HttpMethod.Post, stub.Request.Method);
    }

    [Fact]
    public async Task ConverseStreamAsync_FullRequest_SerialisesModeledMembersOnly()
    {
        var stub = StubBedrockHandler.Stream();
        using var client = Client(stub);
        var request = new ConverseRequest
        {
            Messages =
            [
                new BedrockMessage("user", [new ContentBlock { Text = "time?" }]),
                new BedrockMessage("assistant", [new ContentBlock { ToolUse = new ToolUseBlock("t1", "get_current_time", Json("""{"timezone":"UTC"}""")) }]),
                new BedrockMessage("user", [new ContentBlock { ToolResult = new ToolResultBlock("t1", [new ToolResultContentBlock { Json = Json("""{"time":"09:41"}""") }]) { Status = "success" } }]),
            ],
            System = [new SystemContentBlock("Be brief.")],
            InferenceConfig = new InferenceConfiguration { MaxTokens = 256, Temperature = 0.5f, TopP = 0.9f, StopSequences = ["END"] },
            ToolConfig = new ToolConfiguration([new BedrockTool(new ToolSpecification("get_current_time", new ToolInputSchema(Json("""{"type":"object"}"""))) { Description = "Now" })])
            {
                ToolChoice = new ToolChoice { Auto = new EmptyObject() },
            },
            GuardrailConfig = new GuardrailConfiguration("gr-1", "DRAFT") { Trace = "enabled", StreamProcessingMode = "async" },
        };

        await foreach (var _ in client.ConverseStreamAsync("m", request))
        {
        }

        Assert.Equal(
            """{"messages":[{"role":"user","content":[{"text":"time?"}]},{"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"get_current_time","input":{"timezone":"UTC"}}}]},{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"json":{"time":"09:41"}}],"status":"success"}}]}],"system":[{"text":"Be brief."}],"inferenceConfig":{"maxTokens":256,"temperature":0.5,"topP":0.9,"stopSequences":["END"]},"toolConfig":{"tools":[{"toolSpec":{"name":"get_current_time","inputSchema":{"json":{"type":"object"}},"description":"Now"}}],"toolChoice":{"auto":{}}},"guardrailConfig":{"guardrailIdentifier":"gr-1","guardrailVersion":"DRAFT","trace":"enabled","streamProcessingMode":"async"}}""",
            stub.RequestBody);
        Assert.Equal("application/json", stub.Request!.Content!.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task ConverseStreamAsync_EveryEventType_DecodesAndToleratesMissingTextStartAndUnknownFields()
    {
        var stub = StubBedrockHandler.Stream(
            StubBedrockHandler.Event("messageStart", """{"role":"assistant","p":"abcdefgh"}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Hel"},"p":"abc"}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"lo"}}"""),
            StubBedrockHandler.Event("contentBlockStop", """{"contentBlockIndex":0}"""),
            StubBedrockHandler.Event("contentBlockStart", """{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tooluse_1","name":"calculate","type":"tool_use"}}}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"expr"}}}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"toolUse":{"input":"ession\":\"1+1\"}"}}}"""),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":2,"delta":{"reasoningContent":{"text":"thinking","signature":"sig"}}}"""),
            StubBedrockHandler.Event("contentBlockStop", """{"contentBlockIndex":1}"""),
            StubBedrockHandler.Event("somethingNew", """{"x":1}"""),
            StubBedrockHandler.Event("messageStop", """{"stopReason":"tool_use","additionalModelResponseFields":{"a":1}}"""),
            StubBedrockHandler.Event("metadata", """{"usage":{"inputTokens":3,"outputTokens":5,"totalTokens":8,"cacheReadInputTokens":1},"metrics":{"latencyMs":42},"trace":{}}"""));
        using var client = Client(stub);

        var events = new List<ConverseStreamEvent>();
        await foreach (var item in client.ConverseStreamAsync("m", Request("hi")))
        {
            events.Add(item);
        }

        Assert.Equal("assistant", Assert.IsType<MessageStartEvent>(events[0]).Role);
        Assert.Equal("Hello", string.Concat(events.OfType<ContentBlockDeltaEvent>().Where(e => e.ContentBlockIndex == 0).Select(e => e.Delta!.Text)));
        var start = Assert.Single(events.OfType<ContentBlockStartEvent>());
        Assert.Equal(("tooluse_1", "calculate"), (start.Start!.ToolUse!.ToolUseId, start.Start.ToolUse.Name));
        Assert.Equal("""{"expression":"1+1"}""", string.Concat(events.OfType<ContentBlockDeltaEvent>().Where(e => e.ContentBlockIndex == 1).Select(e => e.Delta!.ToolUse!.Input)));
        Assert.Equal("sig", events.OfType<ContentBlockDeltaEvent>().Single(e => e.ContentBlockIndex == 2).Delta!.ReasoningContent!.Signature);
        Assert.Equal("somethingNew", Assert.Single(events.OfType<UnknownStreamEvent>()).EventType);
        Assert.Equal("tool_use", Assert.Single(events.OfType<MessageStopEvent>()).StopReason);
        var metadata = Assert.Single(events.OfType<MetadataEvent>());
        Assert.Equal((3, 5, 8, 1), (metadata.Usage.InputTokens, metadata.Usage.OutputTokens, metadata.Usage.TotalTokens, metadata.Usage.CacheReadInputTokens));
        Assert.Equal(42, metadata.Metrics!.LatencyMs);
    }

    [Theory]
    [InlineData("throttlingException", """{"message":"slow"}""", "ThrottlingException", 429, true)]
    [InlineData("serviceUnavailableException", """{"message":"down"}""", "ServiceUnavailableException", 503, true)]
    [InlineData("internalServerException", """{"message":"oops"}""", "InternalServerException", 500, true)]
    [InlineData("validationException", """{"message":"bad"}""", "ValidationException", 400, false)]
    [InlineData("modelStreamErrorException", """{"message":"model","originalStatusCode":500,"originalMessage":"boom"}""", "ModelStreamErrorException", 424, false)]
    public async Task ConverseStreamAsync_ExceptionFrame_ThrowsTypedExceptionAfterEarlierEvents(string exceptionType, string payload, string code, int status, bool retryable)
    {
        var stub = StubBedrockHandler.Stream(
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Hi"}}"""),
            EventStreamMessages.EncodeException(exceptionType, System.Text.Encoding.UTF8.GetBytes(payload)),
            StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"never"}}"""));
        using var client = Client(stub);
        var seen = 0;

        var error = await Assert.ThrowsAsync<BedrockRuntimeException>(async () =>
        {
            await foreach (var _ in client.ConverseStreamAsync("m", Request("hi")))
            {
                seen++;
            }
        });

        Assert.Equal(1, seen);
        Assert.Equal((code, status, retryable, BedrockErrorPhase.InStream, "req-123"), (error.ErrorCode, error.StatusCode, error.IsRetryable, error.Phase, error.RequestId));
        if (code == "ModelStreamErrorException")
        {
            Assert.Equal((500, "boom"), (error.OriginalStatusCode, error.OriginalMessage));
        }
    }

    [Fact]
    public async Task ConverseStreamAsync_UnmodeledErrorFrame_UsesErrorCodeHeader()
    {
        var stub = StubBedrockHandler.Stream(EventStreamMessages.EncodeError("InternalFailure", "It broke"));
        using var client = Client(stub);

        var error = await Assert.ThrowsAsync<BedrockRuntimeException>(async () =>
        {
            await foreach (var _ in client.ConverseStreamAsync("m", Request("hi")))
            {
            }
        });

        Assert.Equal(("InternalFailure", "It broke", BedrockErrorPhase.InStream), (error.ErrorCode, error.Message, error.Phase));
    }

    [Fact]
    public async Task ConverseStreamAsync_CorruptFrame_ThrowsTypedFramingError()
    {
        var frame = StubBedrockHandler.Event("messageStart", """{"role":"assistant"}""");
        frame[^1] ^= 0xFF;
        using var client = Client(StubBedrockHandler.Stream(frame));

        var error = await Assert.ThrowsAsync<BedrockRuntimeException>(async () =>
        {
            await foreach (var _ in client.ConverseStreamAsync("m", Request("hi")))
            {
            }
        });

        Assert.Equal("EventStreamMessageChecksum", error.ErrorCode);
        Assert.IsType<EventStreamFramingException>(error.InnerException);
    }

    [Theory]
    [InlineData(429, "ThrottlingException", null, "ThrottlingException", true)]
    [InlineData(429, "ModelNotReadyException:http://internal.amazon.com/coral/com.amazon.bedrock/", null, "ModelNotReadyException", true)]
    [InlineData(400, null, """{"__type":"com.amazon.coral.validate#ValidationException","message":"bad input"}""", "ValidationException", false)]
    [InlineData(403, null, """{"code":"AccessDeniedException","Message":"no"}""", "AccessDeniedException", false)]
    [InlineData(500, "InternalServerException", null, "InternalServerException", true)]
    [InlineData(503, null, "", "ServiceUnavailableException", true)]
    [InlineData(404, "ResourceNotFoundException", null, "ResourceNotFoundException", false)]
    [InlineData(424, "ModelErrorException", """{"message":"m","originalStatusCode":500}""", "ModelErrorException", false)]
    public async Task ConverseAsync_HttpError_MapsToTypedException(int status, string? errorTypeHeader, string? body, string code, bool retryable)
    {
        var headers = errorTypeHeader is null ? Array.Empty<(string, string)>() : [("X-Amzn-ErrorType", errorTypeHeader)];
        using var client = Client(new StubBedrockHandler(_ => StubBedrockHandler.Json((HttpStatusCode)status, body ?? """{"message":"from header"}""", headers)));

        var error = await Assert.ThrowsAsync<BedrockRuntimeException>(() => client.ConverseAsync("m", Request("hi")));

        Assert.Equal((code, status, retryable, BedrockErrorPhase.BeforeStream, "req-err"), (error.ErrorCode, error.StatusCode, error.IsRetryable, error.Phase, error.RequestId));
    }

    [Fact]
    public async Task StartConverseStreamAsync_HttpError_ThrowsBeforeAnyEvent()
    {
        using var client = Client(new StubBedrockHandler(_ => StubBedrockHandler.Json(HttpStatusCode.TooManyRequests, """{"message":"Too many requests"}""", ("X-Amzn-ErrorType", "ThrottlingException"))));

        var error = await Assert.ThrowsAsync<BedrockRuntimeException>(() => client.StartConverseStreamAsync("m", Request("hi")));

        Assert.Equal(("ThrottlingException", "Too many requests", BedrockErrorPhase.BeforeStream), (error.ErrorCode, error.Message, error.Phase));
    }

    [Fact]
    public async Task ConverseAsync_Response_ParsesOutputUsageAndRequestId()
    {
        using var client = Client(new StubBedrockHandler(_ => StubBedrockHandler.Json(HttpStatusCode.OK, """
            {"output":{"message":{"role":"assistant","content":[{"text":"Hi"},{"toolUse":{"toolUseId":"t","name":"calculate","input":{"expression":"1"}}}]}},
             "stopReason":"tool_use","usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3},"metrics":{"latencyMs":9},"unknown":true}
            """)));

        var response = await client.ConverseAsync("m", Request("hi"));

        Assert.Equal("Hi", response.Output!.Message!.Content[0].Text);
        Assert.Equal("calculate", response.Output.Message.Content[1].ToolUse!.Name);
        Assert.Equal(("tool_use", 3, 9L, "req-err"), (response.StopReason, response.Usage!.TotalTokens, response.Metrics!.LatencyMs, response.RequestId));
    }

    [Fact]
    public async Task ConverseStreamAsync_CancelledWhileWaitingForModel_AbortsPromptly()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(StubBedrockHandler.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Hi"}}"""));
        using var client = Client(new StubBedrockHandler(_ => StubBedrockHandler.StreamResponse(pipe.Reader.AsStream())));
        using var cts = new CancellationTokenSource();

        var reading = Task.Run(async () =>
        {
            await foreach (var _ in client.ConverseStreamAsync("m", Request("hi"), cts.Token))
            {
                await cts.CancelAsync();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    internal static BedrockRuntimeClient Client(HttpMessageHandler handler) =>
        BedrockRuntimeClient.Create(new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "us-east-1", new Uri("http://127.0.0.1:9"), handler);

    internal static ConverseRequest Request(string text) => new() { Messages = [new BedrockMessage("user", [new ContentBlock { Text = text }])] };

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
