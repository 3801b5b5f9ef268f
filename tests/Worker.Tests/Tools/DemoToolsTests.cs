using System.Net;
using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.Bedrock;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Tests.Hosting;
using AppSyncChat.Worker.Tools;

namespace AppSyncChat.Worker.Tests.Tools;

/// <summary>
/// The demo tools (<c>calculate</c>, <c>get_current_time</c>) are offered only when <c>APPSYNCCHAT_DEMO_TOOLS</c> is on
/// and the model supports tool use. Checked on the wire: the ConverseStream body the Worker's real Bedrock client sends.
/// </summary>
public sealed class DemoToolsTests
{
    private const string ToolModel = "anthropic.claude-3-5-haiku-20241022-v1:0";

    [Fact]
    public async Task Off_ByDefault_TheRequestHasNoToolConfig()
    {
        using var body = await ConverseBodyAsync(demoTools: null, ToolModel);

        Assert.False(body.RootElement.TryGetProperty("toolConfig", out _), body.RootElement.GetRawText());
    }

    [Fact]
    public async Task On_WithAModelThatSupportsToolUse_OffersBothTools()
    {
        using var body = await ConverseBodyAsync(demoTools: "true", ToolModel);

        var names = body.RootElement.GetProperty("toolConfig").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("toolSpec").GetProperty("name").GetString());
        Assert.Equal(["get_current_time", "calculate"], names);
    }

    [Theory]
    [InlineData("amazon.titan-text-express-v1")]
    [InlineData("anthropic.claude-v2:1")]
    [InlineData("meta.llama3-8b-instruct-v1:0")]
    public async Task On_WithAModelWithoutToolUse_OffersNoTools(string modelId)
    {
        using var body = await ConverseBodyAsync(demoTools: "true", modelId);

        Assert.False(body.RootElement.TryGetProperty("toolConfig", out _), body.RootElement.GetRawText());
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    [InlineData(" TRUE ", true)]
    public void Read_DemoToolsSetting(string? value, bool expected)
    {
        var settings = Settings(value, ToolModel);

        Assert.Equal(expected, WorkerOptionsReader.Read(settings.GetValueOrDefault).DemoTools);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    [InlineData("on")]
    public void Read_DemoToolsSetting_NotTrueOrFalse_FailsStartUpNamingIt(string value)
    {
        var settings = Settings(value, ToolModel);

        var ex = Assert.Throws<WorkerConfigurationException>(() => WorkerOptionsReader.Read(settings.GetValueOrDefault));

        Assert.Equal(SettingNames.DemoTools, ex.SettingName);
        Assert.Contains($"'{value}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anthropic.claude-3-5-haiku-20241022-v1:0")] // the Local Bedrock emulator's default
    [InlineData("anthropic.claude-3-haiku-20240307-v1:0")] // the CDK stack's default
    [InlineData("anthropic.claude-sonnet-4-20250514-v1:0")]
    [InlineData("us.anthropic.claude-3-7-sonnet-20250219-v1:0")]
    [InlineData("arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0")]
    [InlineData("arn:aws:bedrock:us-east-1::foundation-model/mistral.mistral-large-2407-v1:0")]
    [InlineData("cohere.command-r-plus-v1:0")]
    [InlineData("meta.llama3-1-70b-instruct-v1:0")]
    [InlineData("ai21.jamba-1-5-large-v1:0")]
    public void Supports_ToolUseFamilies(string modelId) => Assert.True(ToolUseSupport.Supports(modelId));

    [Theory]
    [InlineData("anthropic.claude-v2:1")]
    [InlineData("anthropic.claude-instant-v1")]
    [InlineData("amazon.titan-text-express-v1")]
    [InlineData("meta.llama3-8b-instruct-v1:0")]
    [InlineData("meta.llama3-2-1b-instruct-v1:0")]
    [InlineData("mistral.mistral-7b-instruct-v0:2")]
    [InlineData("cohere.command-text-v14")]
    [InlineData("local-model")]
    [InlineData("")]
    public void Supports_OtherModels_Not(string modelId) => Assert.False(ToolUseSupport.Supports(modelId));

    private static Dictionary<string, string?> Settings(string? demoTools, string modelId) => new()
    {
        [SettingNames.Region] = "us-east-1",
        [SettingNames.TableName] = "appsyncchat",
        [SettingNames.EventsHttpEndpoint] = "http://127.0.0.1:9/event",
        [SettingNames.DefaultModelId] = modelId,
        [SettingNames.DynamoDbEndpoint] = "http://127.0.0.1:9",
        [SettingNames.DemoTools] = demoTools,
        ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
        ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };

    /// <summary>Runs one turn through the host with the real Bedrock client; returns the ConverseStream body it sent.</summary>
    private static async Task<JsonDocument> ConverseBodyAsync(string? demoTools, string modelId)
    {
        var bedrock = new CapturingBedrock();
        using var chat = new BedrockChatClient(new BedrockRuntimeClient(new HttpClient(bedrock), new Uri("http://127.0.0.1:9")), modelId);

        var (response, _, _) = await HostTurn.RunAsync(Settings(demoTools, modelId), chat);

        Assert.Equal("""{"batchItemFailures":[]}""", response);
        return JsonDocument.Parse(Assert.Single(bedrock.Bodies));
    }

    /// <summary>Records each request body and answers ValidationException (a permanent failure: one call, no retries).</summary>
    private sealed class CapturingBedrock : HttpMessageHandler
    {
        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Add(await request.Content!.ReadAsStringAsync(cancellationToken));
            var response = new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                Content = new StringContent("""{"message":"captured"}""", Encoding.UTF8, "application/json"),
            };
            response.Headers.Add("x-amzn-ErrorType", "ValidationException");
            return response;
        }
    }
}
