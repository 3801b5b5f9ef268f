using System.Text.Json;
using AppSyncChat.Local.Signing;

namespace AppSyncChat.Local.Tests.Bedrock;

/// <summary>
/// The official AWS SDK for JavaScript (@aws-sdk/client-bedrock-runtime) against the emulator:
/// runs tests/conformance/bedrock-runtime.mjs once and checks every scenario it reports.
/// </summary>
public sealed class BedrockSdkConformanceTests(BedrockSdkConformanceTests.Run run) : IClassFixture<BedrockSdkConformanceTests.Run>
{
    [Fact]
    public void ConverseStream_TextAnswer_DeliversEveryTextEventTypeInOrder()
    {
        var result = run.Scenario("streamText");

        AssertNoError(result);
        var events = Strings(result, "events");
        Assert.Equal("messageStart", events[0]);
        Assert.Equal(12, events.Count(e => e == "contentBlockDelta"));
        Assert.Equal(["contentBlockStop", "messageStop", "metadata"], events[^3..]);
        Assert.StartsWith("You asked about volcanoes.", result.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("end_turn", result.GetProperty("stopReason").GetString());
        var usage = result.GetProperty("usage");
        Assert.Equal(12, usage.GetProperty("outputTokens").GetInt32());
        Assert.Equal(usage.GetProperty("inputTokens").GetInt32() + 12, usage.GetProperty("totalTokens").GetInt32());
        Assert.True(result.GetProperty("metrics").GetProperty("latencyMs").GetInt64() >= 0);
        Assert.False(string.IsNullOrEmpty(result.GetProperty("requestId").GetString()));
    }

    [Fact]
    public void ConverseStream_TextAndToolTurns_CoverEveryStreamEventType()
    {
        var seen = Strings(run.Scenario("streamText"), "events").Concat(Strings(run.Scenario("streamToolUse"), "events")).ToHashSet();

        Assert.Superset(new HashSet<string> { "messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata" }, seen);
    }

    [Fact]
    public void ConverseStream_ArnModelId_IsSignedAndRoutedAsOneSegment()
    {
        var result = run.Scenario("streamArnModel");

        AssertNoError(result);
        Assert.Equal("end_turn", result.GetProperty("stopReason").GetString());
    }

    [Fact]
    public void ConverseStream_ToolTurn_StartsToolBlockStreamsInputAndStopsForToolUse()
    {
        var result = run.Scenario("streamToolUse");

        AssertNoError(result);
        var events = Strings(result, "events");
        Assert.Contains("contentBlockStart", events);
        var toolUse = Assert.Single(result.GetProperty("toolUses").EnumerateArray());
        Assert.Equal("get_current_time", toolUse.GetProperty("name").GetString());
        Assert.Equal("UTC", toolUse.GetProperty("input").GetProperty("timezone").GetString());
        Assert.Equal("tool_use", result.GetProperty("stopReason").GetString());
    }

    [Fact]
    public void ConverseStream_AfterToolResult_AnswersWithTheResult()
    {
        var result = run.Scenario("streamToolResult");

        AssertNoError(result);
        Assert.StartsWith("The current time from get_current_time is 09:41 UTC.", result.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("end_turn", result.GetProperty("stopReason").GetString());
    }

    [Fact]
    public void Converse_TextAndToolAnswers_HaveTheModeledShape()
    {
        var text = run.Scenario("converseText");
        var tool = run.Scenario("converseTool");

        AssertNoError(text);
        AssertNoError(tool);
        Assert.Equal("assistant", text.GetProperty("role").GetString());
        Assert.StartsWith("You asked about lighthouse.", text.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(10, text.GetProperty("usage").GetProperty("outputTokens").GetInt32());
        var call = tool.GetProperty("content").EnumerateArray().Single(c => c.TryGetProperty("toolUse", out _)).GetProperty("toolUse");
        Assert.Equal("calculate", call.GetProperty("name").GetString());
        Assert.Equal("6*(5+2)", call.GetProperty("input").GetProperty("expression").GetString());
        Assert.Equal("tool_use", tool.GetProperty("stopReason").GetString());
    }

    [Theory]
    [InlineData("streamFaultThrottle", "ThrottlingException", 429, 0)]
    [InlineData("streamFaultStreamThrottle", "ThrottlingException", 200, 2)]
    [InlineData("streamFaultStreamError", "ModelStreamErrorException", 200, 2)]
    [InlineData("streamFaultValidation", "ValidationException", 400, 0)]
    [InlineData("streamBadRequest", "ValidationException", 400, 0)]
    [InlineData("converseFaultThrottle", "ThrottlingException", 429, 0)]
    [InlineData("converseBadSignature", "InvalidSignatureException", 403, 0)]
    public void Faults_SurfaceAsTheSdksTypedErrors(string scenario, string errorName, int httpStatus, int deltasBeforeError)
    {
        var result = run.Scenario(scenario);

        Assert.True(result.TryGetProperty("error", out var error), $"{scenario} did not fail: {result}");
        Assert.Equal(errorName, error.GetProperty("name").GetString());
        if (httpStatus != 200)
        {
            Assert.Equal(httpStatus, error.GetProperty("httpStatusCode").GetInt32());
        }

        if (result.TryGetProperty("events", out _))
        {
            Assert.Equal(deltasBeforeError, Strings(result, "events").Count(e => e == "contentBlockDelta"));
        }
    }

    private static void AssertNoError(JsonElement result) =>
        Assert.False(result.TryGetProperty("error", out var error), $"unexpected error: {error}");

    private static List<string> Strings(JsonElement result, string name) =>
        [.. result.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>Starts the emulator, runs the Node script once for the whole class.</summary>
    public sealed class Run : IAsyncLifetime
    {
        private readonly BedrockEmulatorFixture _emulator = new();
        private JsonElement _results;

        public JsonElement Scenario(string name) =>
            _results.TryGetProperty(name, out var value) ? value : throw new KeyNotFoundException($"scenario {name} missing in {_results}");

        public async Task InitializeAsync()
        {
            await _emulator.InitializeAsync();
            _results = await NodeScript.RunAsync(
                "bedrock-runtime.mjs",
                [_emulator.Server.BaseAddress.ToString().TrimEnd('/')],
                new Dictionary<string, string>
                {
                    ["AWS_ACCESS_KEY_ID"] = SigV4VerifierOptions.LocalAccessKeyId,
                    ["AWS_SECRET_ACCESS_KEY"] = SigV4VerifierOptions.LocalSecretAccessKey,
                    ["AWS_REGION"] = SigV4VerifierOptions.LocalRegion,
                },
                TimeSpan.FromMinutes(2));
        }

        public Task DisposeAsync() => _emulator.DisposeAsync();
    }
}
