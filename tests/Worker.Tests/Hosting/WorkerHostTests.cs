using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Worker.Hosting;
using AppSyncChat.Worker.Publishing;
using AppSyncChat.Worker.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using static AppSyncChat.Worker.Tests.Fakes.ModelStep;

namespace AppSyncChat.Worker.Tests.Hosting;

public sealed class WorkerHostTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        [SettingNames.Region] = "us-east-1",
        [SettingNames.TableName] = "appsyncchat",
        [SettingNames.EventsHttpEndpoint] = "http://127.0.0.1:9/event",
        [SettingNames.DefaultModelId] = "local-model",
        [SettingNames.DynamoDbEndpoint] = "http://127.0.0.1:9",
        [SettingNames.BedrockEndpoint] = "http://127.0.0.1:9",
        [SettingNames.CoalesceWindowMs] = "40",
        ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
        ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };

    [Fact]
    public void Create_WithRealClients_BuildsWithoutTouchingTheNetwork()
    {
        using var host = WorkerHost.Create(Settings.GetValueOrDefault, NullLoggerFactory.Instance);

        Assert.Equal("local-model", host.Options.DefaultModelId);
        Assert.Equal(new CoalescingPolicy(TimeSpan.FromMilliseconds(40), 16 * 1024), host.Processor.PublishPolicy);
    }

    [Fact]
    public void Create_TheFormerStrategySetting_CannotSwitchProductionOffCoalescing()
    {
        // Baselines were once chosen by APPSYNCCHAT_PUBLISH_STRATEGY; now only the benchmark's seam plugs them in.
        var settings = new Dictionary<string, string?>(Settings) { ["APPSYNCCHAT_PUBLISH_STRATEGY"] = "per-delta" };

        using var host = WorkerHost.Create(settings.GetValueOrDefault, NullLoggerFactory.Instance);

        Assert.IsType<CoalescingPolicy>(host.Processor.PublishPolicy);
    }

    [Fact]
    public async Task Handler_FromTheCompositionRoot_RunsATurnEndToEnd_OverTheSeams()
    {
        var (response, store, publisher) = await HostTurn.RunAsync(Settings, new FakeChatClient([Text("Hi there.")]));

        Assert.Equal("""{"batchItemFailures":[]}""", response);
        Assert.Equal("Hi there.", store.Outcome!.Text);
        Assert.StartsWith("w-test/", store.Claims[0].Lease.Owner, StringComparison.Ordinal);
        Assert.Equal("Hi there.", Viewer.Replay(publisher.Delivered).Text);
    }

    [Fact]
    public async Task Handler_WithAPublishPolicySeam_PublishesWithIt()
    {
        var baseline = new OnePerAppendPolicy();

        var (response, store, publisher) = await HostTurn.RunAsync(Settings, new FakeChatClient([Text("Hi"), Text(" there.")]), baseline);

        Assert.Equal("""{"batchItemFailures":[]}""", response);
        Assert.Equal("Hi there.", store.Outcome!.Text);
        // On the stopped manual clock coalescing would hold " there." until the end; the seam's policy does not.
        Assert.Equal(["Hi", " there."], publisher.Delivered.OfType<TextDelta>().Select(d => d.Text));
        Assert.All(publisher.Publishes, p => Assert.Single(p.Events));
        Assert.Equal("Hi there.", Viewer.Replay(publisher.Delivered).Text);
    }

    /// <summary>A stand-in for a benchmark baseline (the real ones live in bench/Baselines/).</summary>
    private sealed class OnePerAppendPolicy : IPublishPolicy
    {
        public int MaxEventsPerPublish => 1;

        public bool ReleaseBeforeEvent => true;

        public PendingTextStep AfterAppend(PendingText pending) => PendingTextStep.Release;

        public TimeSpan? ReleaseAfter(PendingText pending) => null;
    }
}
