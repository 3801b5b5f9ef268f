using AppSyncChat.Contracts.Configuration;

namespace AppSyncChat.Contracts.Tests;

public sealed class FunctionEnvironmentTests
{
    private static readonly OffAwsAccess Local = new("us-east-1", "AKIDLOCAL", "local-secret")
    {
        DynamoDbEndpoint = "http://127.0.0.1:4001",
        SqsEndpoint = "http://127.0.0.1:4002",
        BedrockEndpoint = "http://127.0.0.1:4003",
    };

    [Fact]
    public void Api_Deployed_CarriesItsSettingsAndNothingOfOffAws()
    {
        var environment = new ApiEnvironment { TableName = "t", QueueUrl = "https://sqs/q", QueueVisibilityTimeout = TimeSpan.FromSeconds(930), RetentionDays = 30 }.Build();

        Assert.Equal(
            new Dictionary<string, string>
            {
                [SettingNames.TableName] = "t",
                [SettingNames.QueueUrl] = "https://sqs/q",
                [SettingNames.QueueVisibilityTimeoutSeconds] = "930",
                [SettingNames.RetentionDays] = "30",
                [SettingNames.LogFormat] = "json",
            },
            environment);
    }

    [Fact]
    public void Worker_OffAws_AddsRegionCredentialsEndpointsAndNoMetadataProbe()
    {
        var environment = new WorkerEnvironment { TableName = "t", DefaultModelId = "m", EventsHttpEndpoint = "https://events/event", OffAws = Local, LogFormat = "text" }.Build();

        Assert.Equal("us-east-1", environment[SettingNames.Region]);
        Assert.Equal("AKIDLOCAL", environment[OffAwsAccess.AccessKeyIdName]);
        Assert.Equal("local-secret", environment[OffAwsAccess.SecretAccessKeyName]);
        Assert.Equal("true", environment["AWS_EC2_METADATA_DISABLED"]);
        Assert.Equal("http://127.0.0.1:4001", environment[SettingNames.DynamoDbEndpoint]);
        Assert.Equal("http://127.0.0.1:4002", environment[SettingNames.SqsEndpoint]);
        Assert.Equal("http://127.0.0.1:4003", environment[SettingNames.BedrockEndpoint]);
        Assert.Equal("text", environment[SettingNames.LogFormat]);
        Assert.False(environment.ContainsKey(SettingNames.QueueUrl)); // Lambda's event source mapping polls, not the Worker
    }

    [Fact]
    public void Overrides_WinOverTheBuiltValues()
    {
        var environment = new WorkerEnvironment
        {
            TableName = "t",
            DefaultModelId = "m",
            EventsHttpEndpoint = "e",
            Overrides = new Dictionary<string, string> { [SettingNames.DefaultModelId] = "other", [SettingNames.CoalesceWindowMs] = "50" },
        }.Build();

        Assert.Equal("other", environment[SettingNames.DefaultModelId]);
        Assert.Equal("50", environment[SettingNames.CoalesceWindowMs]);
    }
}
