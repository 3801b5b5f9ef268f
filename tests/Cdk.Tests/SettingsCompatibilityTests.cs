using System.Text.Json;
using AppSyncChat.Api.Configuration;
using AppSyncChat.Api.Resolver;
using AppSyncChat.Cdk.Events;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Worker.Configuration;

namespace AppSyncChat.Cdk.Tests;

/// <summary>
/// The deployed environment must be one the functions accept: the Api's and Worker's own settings readers
/// run against the template's environment variables (CloudFormation references replaced by plausible values).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SettingsCompatibilityTests(StackFixture fixture)
{
    [Fact]
    public void ApiOptions_FromDeployedEnvironment_Starts()
    {
        var options = ApiOptions.FromSettings(Environment(fixture.Stack.ApiFunction));

        Assert.Equal("https://sqs.example/queue", options.QueueUrl);
        Assert.Equal("json", options.LogFormat);
        Assert.Null(options.Retention);
    }

    [Fact]
    public void ApiOptions_FromDeployedEnvironment_AbandonATurnOnlyAfterItsRedeliveryHadTimeToTakeItOver()
    {
        var options = ApiOptions.FromSettings(Environment(fixture.Stack.ApiFunction));
        var visibility = fixture.Properties(fixture.LogicalId(fixture.Stack.Queue)).GetProperty("VisibilityTimeout").GetInt32();

        Assert.Equal(TimeSpan.FromSeconds(visibility), options.QueueVisibilityTimeout);
        Assert.True(options.AbandonedTurnAfter >= options.QueueVisibilityTimeout + ApiOptions.TakeoverSlack);
        Assert.True(options.AbandonedTurnAfter <= TimeSpan.FromMinutes(10), $"a crashed turn blocks its conversation for {options.AbandonedTurnAfter} at most");
    }

    [Fact]
    public void ApiOptions_WithRetentionDays_ReadsTheSameDays()
    {
        using var withRetention = StackFixture.Synthesize(StackFixture.Options() with { RetentionDays = 90 });

        var options = ApiOptions.FromSettings(Environment(withRetention, withRetention.Stack.ApiFunction));

        Assert.Equal(TimeSpan.FromDays(90), options.Retention);
    }

    [Fact]
    public void WorkerOptions_FromDeployedEnvironment_Starts()
    {
        var options = WorkerOptionsReader.Read(Environment(fixture.Stack.WorkerFunction));

        Assert.Equal("anthropic.claude-3-haiku-20240307-v1:0", options.DefaultModelId);
        Assert.True(options.JsonLogs);
        Assert.Equal(new Uri("https://events.example/event"), options.EventsHttpEndpoint);
        Assert.False(options.DemoTools);
    }

    [Fact]
    public void WorkerOptions_WithDemoTools_OffersThem()
    {
        using var withTools = StackFixture.Synthesize(StackFixture.Options() with { DemoTools = true });

        var options = WorkerOptionsReader.Read(Environment(withTools, withTools.Stack.WorkerFunction));

        Assert.True(options.DemoTools);
    }

    [Fact]
    public void OwnerIds_MatchTheApisOwnerRules()
    {
        // The deployed onSubscribe handler carries the owner forms the Api derives from identities.
        var handler = ChatNamespaceHandlers.Build();
        using var cognito = JsonDocument.Parse("""{"sub":"abc","username":"alice"}""");
        var cognitoOwner = Owners.FromIdentity(cognito.RootElement);
        var apiKeyOwner = Owners.FromIdentity(default);

        Assert.Equal("user:abc", cognitoOwner);
        Assert.Equal("anonymous", apiKeyOwner);
        Assert.Contains("const COGNITO_OWNER_PREFIX = \"user:\";", handler, StringComparison.Ordinal);
        Assert.Contains("const API_KEY_OWNER = \"anonymous\";", handler, StringComparison.Ordinal);
    }

    private Func<string, string?> Environment(Amazon.CDK.AWS.Lambda.Function function) => Environment(fixture, function);

    private static Func<string, string?> Environment(StackFixture fixture, Amazon.CDK.AWS.Lambda.Function function)
    {
        var variables = fixture.Properties(fixture.LogicalId(function)).GetProperty("Environment").GetProperty("Variables");
        var values = new Dictionary<string, string>
        {
            // Set by Lambda itself in every function.
            [SettingNames.Region] = "eu-west-1",
            [SettingNames.LambdaRuntimeApi] = "127.0.0.1:9001",
        };
        foreach (var variable in variables.EnumerateObject())
        {
            values[variable.Name] = variable.Value.ValueKind == JsonValueKind.String
                ? variable.Value.GetString()!
                : variable.Name switch
                {
                    SettingNames.QueueUrl => "https://sqs.example/queue",
                    SettingNames.EventsHttpEndpoint => "https://events.example/event",
                    _ => $"resolved-{variable.Name.ToLowerInvariant()}",
                };
        }

        return name => values.GetValueOrDefault(name);
    }
}
