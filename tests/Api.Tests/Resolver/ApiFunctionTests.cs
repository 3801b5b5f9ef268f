using System.Text.Json;
using AppSyncChat.Api.Configuration;
using AppSyncChat.Api.Tests.Fixtures;
using AppSyncChat.Contracts.Configuration;

namespace AppSyncChat.Api.Tests.Resolver;

/// <summary>
/// <see cref="ApiFunction.RunAsync"/> as Lambda runs it: the composition root from settings, the Runtime API
/// loop, and errors reported as function errors whose <c>errorType</c> is the GraphQL errorType.
/// </summary>
[Collection(DynaliteCollection.Name)]
public sealed class ApiFunctionTests(DynaliteFixture dynalite) : ResolverTestBase(dynalite)
{
    private Func<string, string?> Settings(FakeRuntimeApi runtime) => name => name switch
    {
        SettingNames.LambdaRuntimeApi => runtime.Address,
        SettingNames.TableName => TableName,
        SettingNames.QueueUrl => QueueUrl,
        SettingNames.Region => "us-east-1",
        SettingNames.DynamoDbEndpoint => Dynalite.ServiceUrl,
        SettingNames.SqsEndpoint => "http://127.0.0.1:9/",
        SettingNames.LogFormat => "text",
        "AWS_ACCESS_KEY_ID" => "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY" => "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        _ => null,
    };

    [Fact]
    public async Task RunAsync_Invocations_AnswersValuesAndTypedFunctionErrors()
    {
        await using var runtime = new FakeRuntimeApi();
        using var stop = new CancellationTokenSource();
        var running = ApiFunction.RunAsync(Settings(runtime), stop.Token);

        var ok = await runtime.InvokeAsync(Event("Query", "listConversations", "{}", Alice));
        var bad = await runtime.InvokeAsync(Event("Mutation", "sendMessage", """{"input":{"text":"","clientRequestId":"r1"}}""", Alice));
        var missing = await runtime.InvokeAsync(Event("Query", "getConversation", """{"conversationId":"ffffffffffffffffffffffffffffffff"}""", Alice));

        Assert.Equal("response", ok.Kind);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(ok.Body).RootElement.GetProperty("items").ValueKind);
        Assert.Equal("error", bad.Kind);
        using var badBody = JsonDocument.Parse(bad.Body);
        Assert.Equal("ValidationError", badBody.RootElement.GetProperty("errorType").GetString());
        Assert.Contains("input.text must not be empty", badBody.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        using var missingBody = JsonDocument.Parse(missing.Body);
        Assert.Equal("NotFound", missingBody.RootElement.GetProperty("errorType").GetString());

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task RunAsync_MissingSetting_ReportsInitErrorNamingIt()
    {
        await using var runtime = new FakeRuntimeApi();
        var settings = Settings(runtime);

        await Assert.ThrowsAnyAsync<Exception>(() => ApiFunction.RunAsync(name => name == SettingNames.TableName ? null : settings(name), CancellationToken.None));

        var init = await runtime.InitError.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(SettingNames.TableName, init.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SettingNames.QueueUrl, "not a url", "is not an absolute http(s) URL")]
    [InlineData(SettingNames.Region, "", "is missing")]
    [InlineData(SettingNames.RetentionDays, "-3", "is not a whole number of days")]
    [InlineData(SettingNames.LogFormat, "xml", "is not json or text")]
    public void ApiOptions_BadSetting_NamesIt(string setting, string value, string problem)
    {
        var valid = new Dictionary<string, string>
        {
            [SettingNames.TableName] = "t",
            [SettingNames.QueueUrl] = QueueUrl,
            [SettingNames.Region] = "us-east-1",
        };
        valid[setting] = value;

        var error = Assert.Throws<ApiConfigurationException>(() => ApiOptions.FromSettings(name => valid.GetValueOrDefault(name)));

        Assert.Equal(setting, error.Setting);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiOptions_AbandonAfter_MustLeaveTheRedeliveryTimeToTakeTheTurnOver()
    {
        var settings = new Dictionary<string, string>
        {
            [SettingNames.TableName] = "t",
            [SettingNames.QueueUrl] = QueueUrl,
            [SettingNames.Region] = "us-east-1",
            [SettingNames.QueueVisibilityTimeoutSeconds] = "1800",
        };

        // Unset: derived from the visibility timeout.
        var derived = ApiOptions.FromSettings(name => settings.GetValueOrDefault(name));
        Assert.Equal(TimeSpan.FromSeconds(1800) + ApiOptions.TakeoverSlack, derived.AbandonedTurnAfter);

        // Set shorter than a redelivery: a crashed turn would be failed before any takeover ran.
        settings[SettingNames.AbandonTurnAfterSeconds] = "900";
        var error = Assert.Throws<ApiConfigurationException>(() => ApiOptions.FromSettings(name => settings.GetValueOrDefault(name)));
        Assert.Equal(SettingNames.AbandonTurnAfterSeconds, error.Setting);
        Assert.Contains(SettingNames.QueueVisibilityTimeoutSeconds, error.Message, StringComparison.Ordinal);

        settings[SettingNames.AbandonTurnAfterSeconds] = "1860";
        Assert.Equal(TimeSpan.FromSeconds(1860), ApiOptions.FromSettings(name => settings.GetValueOrDefault(name)).AbandonedTurnAfter);
    }

    [Fact]
    public void ApiOptions_Defaults_AbandonAfterTheDefaultRedelivery()
    {
        var options = ApiOptions.FromSettings(name => name switch
        {
            SettingNames.TableName => "chat",
            SettingNames.QueueUrl => QueueUrl,
            SettingNames.Region => "eu-west-1",
            _ => null,
        });

        Assert.Equal(TimeSpan.FromSeconds(330), options.QueueVisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(390), options.AbandonedTurnAfter);
    }

    [Fact]
    public void ApiOptions_Valid_ReadsEverything()
    {
        var options = ApiOptions.FromSettings(name => name switch
        {
            SettingNames.TableName => "chat",
            SettingNames.QueueUrl => QueueUrl,
            SettingNames.Region => "eu-west-1",
            SettingNames.DynamoDbEndpoint => "http://127.0.0.1:4030",
            SettingNames.RetentionDays => "30",
            _ => null,
        });

        Assert.Equal(("chat", "eu-west-1", TimeSpan.FromDays(30)), (options.TableName, options.Region, options.Retention!.Value));
        Assert.Equal(new Uri("http://127.0.0.1:4030"), options.DynamoDbEndpoint);
        Assert.Null(options.SqsEndpoint);
        Assert.Equal("json", options.LogFormat);
    }
}
