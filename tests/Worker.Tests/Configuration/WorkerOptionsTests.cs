using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Worker.Configuration;

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

        Assert.Equal(TimeSpan.FromMilliseconds(100), options.Turn.CoalesceWindow);
        Assert.Equal(16 * 1024, options.Turn.CoalesceMaxChars);
        Assert.Null(options.DynamoDbEndpoint);
        Assert.True(options.JsonLogs);
        Assert.False(options.DemoTools);
        Assert.Equal(368_640, options.Turn.AnswerMaxBytes);
    }

    [Fact]
    public void Read_CoalesceSettings_TuneTheOnePublishingPolicy()
    {
        var settings = Valid();
        settings[SettingNames.CoalesceWindowMs] = "25";
        settings[SettingNames.CoalesceMaxChars] = "300";

        var options = WorkerOptionsReader.Read(settings.GetValueOrDefault);

        Assert.Equal(TimeSpan.FromMilliseconds(25), options.Turn.CoalesceWindow);
        Assert.Equal(300, options.Turn.CoalesceMaxChars);
    }

    [Theory]
    [InlineData(SettingNames.TableName, null)]
    [InlineData(SettingNames.Region, "")]
    [InlineData(SettingNames.EventsHttpEndpoint, "not a url")]
    [InlineData(SettingNames.DefaultModelId, " ")]
    [InlineData(SettingNames.DynamoDbEndpoint, "ftp://x")]
    [InlineData(SettingNames.CoalesceMaxChars, "0")]
    [InlineData(SettingNames.DemoTools, "yes")]
    [InlineData(SettingNames.CoalesceWindowMs, "-1")]
    [InlineData(SettingNames.FirstByteTimeoutMs, "abc")]
    [InlineData(SettingNames.TakeoverMode, "resume")]
    [InlineData(SettingNames.LeaseMarginMs, "10000")]
    [InlineData(SettingNames.LogFormat, "xml")]
    [InlineData(SettingNames.AnswerMaxBytes, "368641")]
    [InlineData(SettingNames.DeadlineMarginMs, "3000")]
    [InlineData(SettingNames.ResponseMarginMs, "50")]
    [InlineData(SettingNames.AnswerMaxBytes, "0")]
    public void Read_BadSetting_FailsNamingIt(string name, string? value)
    {
        var settings = Valid();
        settings[name] = value;

        var ex = Assert.Throws<WorkerConfigurationException>(() => WorkerOptionsReader.Read(settings.GetValueOrDefault));

        Assert.Equal(name, ex.SettingName);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheEndOfATurn_IsComputedFromThePublishSettings_AndMustFitTheDeadlineMargin()
    {
        var defaults = WorkerOptionsReader.Read(Valid().GetValueOrDefault).Turn;

        // (3 attempts × 1 s + 2 × 0.5 s backoff) × (1 + 1 re-publish) + 50 ms pause = 8.05 s; twice, + 1 s final write.
        Assert.Equal(TimeSpan.FromMilliseconds(8_050), defaults.PublishWorstCase);
        Assert.Equal(TimeSpan.FromMilliseconds(17_100), defaults.EndOfTurnWorstCase);
        Assert.True(defaults.DeadlineMargin >= defaults.ResponseMargin + defaults.EndOfTurnWorstCase);

        var settings = Valid();
        settings[SettingNames.PublishMaxAttempts] = "1";
        settings[SettingNames.PublishAttemptTimeoutMs] = "400";
        settings[SettingNames.RepublishMaxAttempts] = "0";
        settings[SettingNames.ResponseMarginMs] = "500";
        settings[SettingNames.LeaseMarginMs] = "500";
        settings[SettingNames.DeadlineMarginMs] = "2300"; // 500 + 2 × 400 + 1000
        Assert.Equal(TimeSpan.FromMilliseconds(2_300), WorkerOptionsReader.Read(settings.GetValueOrDefault).Turn.DeadlineMargin);

        settings[SettingNames.DeadlineMarginMs] = "2299";
        var error = Assert.Throws<WorkerConfigurationException>(() => WorkerOptionsReader.Read(settings.GetValueOrDefault));
        Assert.Equal(SettingNames.DeadlineMarginMs, error.SettingName);
        Assert.Contains(SettingNames.ResponseMarginMs, error.Message, StringComparison.Ordinal);
        Assert.Contains(SettingNames.PublishAttemptTimeoutMs, error.Message, StringComparison.Ordinal);
        Assert.Contains("2300 ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLease_MustOutliveTheHandlersCutOff()
    {
        var settings = Valid();
        settings[SettingNames.LeaseMarginMs] = "1500";
        settings[SettingNames.ResponseMarginMs] = "1000";

        var error = Assert.Throws<WorkerConfigurationException>(() => WorkerOptionsReader.Read(settings.GetValueOrDefault));

        Assert.Equal(SettingNames.LeaseMarginMs, error.SettingName);
        Assert.Contains(SettingNames.ResponseMarginMs, error.Message, StringComparison.Ordinal);
    }
}
