using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Publishing;

namespace AppSyncChat.Worker.Tests.Configuration;

public sealed class WorkerOptionsTests
{
    private static Dictionary<string, string?> Valid() => new()
    {
        [SettingNames.Region] = "us-east-1",
        [SettingNames.TableName] = "chat",
        [SettingNames.EventsHttpEndpoint] = "https://example.appsync-api.us-east-1.amazonaws.com/event",
        [SettingNames.DefaultModelId] = "anthropic.claude-3-haiku",
    };

    [Fact]
    public void Read_MinimalSettings_GiveProductionDefaults()
    {
        var options = WorkerOptionsReader.Read(Valid().GetValueOrDefault);

        Assert.Equal(PublishStrategy.Coalesced, options.Turn.PublishStrategy);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.Turn.CoalesceWindow);
        Assert.Null(options.DynamoDbEndpoint);
        Assert.True(options.JsonLogs);
        Assert.Equal(368_640, options.Turn.AnswerMaxBytes);
    }

    [Theory]
    [InlineData("per-delta", PublishStrategy.PerDelta)]
    [InlineData("sentence", PublishStrategy.Sentence)]
    [InlineData("final-only", PublishStrategy.FinalOnly)]
    [InlineData("coalesced", PublishStrategy.Coalesced)]
    public void Read_PublishStrategy_SelectsTheBaseline(string value, PublishStrategy expected)
    {
        var settings = Valid();
        settings[SettingNames.PublishStrategy] = value;
        settings[SettingNames.CoalesceWindowMs] = "25";

        var options = WorkerOptionsReader.Read(settings.GetValueOrDefault);

        Assert.Equal(expected, options.Turn.PublishStrategy);
        Assert.Equal(TimeSpan.FromMilliseconds(25), options.Turn.CoalesceWindow);
    }

    [Theory]
    [InlineData(SettingNames.TableName, null)]
    [InlineData(SettingNames.Region, "")]
    [InlineData(SettingNames.EventsHttpEndpoint, "not a url")]
    [InlineData(SettingNames.DefaultModelId, " ")]
    [InlineData(SettingNames.DynamoDbEndpoint, "ftp://x")]
    [InlineData(SettingNames.PublishStrategy, "fast")]
    [InlineData(SettingNames.CoalesceWindowMs, "-1")]
    [InlineData(SettingNames.FirstByteTimeoutMs, "abc")]
    [InlineData(SettingNames.TakeoverMode, "resume")]
    [InlineData(SettingNames.LeaseMarginMs, "10000")]
    [InlineData(SettingNames.LogFormat, "xml")]
    [InlineData(SettingNames.AnswerMaxBytes, "368641")]
    [InlineData(SettingNames.AnswerMaxBytes, "0")]
    public void Read_BadSetting_FailsNamingIt(string name, string? value)
    {
        var settings = Valid();
        settings[name] = value;

        var ex = Assert.Throws<WorkerConfigurationException>(() => WorkerOptionsReader.Read(settings.GetValueOrDefault));

        Assert.Equal(name, ex.SettingName);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }
}
