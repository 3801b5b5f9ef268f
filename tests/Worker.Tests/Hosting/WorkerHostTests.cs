using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Hosting;
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
        [SettingNames.PublishStrategy] = "sentence",
        ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
        ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };

    [Fact]
    public void Create_WithRealClients_BuildsWithoutTouchingTheNetwork()
    {
        using var host = WorkerHost.Create(Settings.GetValueOrDefault, NullLoggerFactory.Instance);

        Assert.Equal("local-model", host.Options.DefaultModelId);
        Assert.Equal(AppSyncChat.Worker.Publishing.PublishStrategy.Sentence, host.Options.Turn.PublishStrategy);
    }

    [Fact]
    public void Create_BadSetting_FailsFastNamingIt()
    {
        var settings = new Dictionary<string, string?>(Settings) { [SettingNames.EventsHttpEndpoint] = null };

        var ex = Assert.Throws<WorkerConfigurationException>(() => WorkerHost.Create(settings.GetValueOrDefault, NullLoggerFactory.Instance));

        Assert.Equal(SettingNames.EventsHttpEndpoint, ex.SettingName);
    }

    [Fact]
    public async Task Handler_FromTheCompositionRoot_RunsATurnEndToEnd_OverTheSeams()
    {
        var time = new ManualTimeProvider();
        var store = new FakeTurnStore(FakeTurnStore.User("u1", "Say hi"));
        var publisher = new FakeEventsPublisher();
        using var host = WorkerHost.Create(Settings.GetValueOrDefault, NullLoggerFactory.Instance, new WorkerSeams
        {
            Chat = new FakeChatClient([Text("Hi there.")]),
            Store = store,
            Events = publisher,
            Time = time,
            WorkerId = "w-test",
        });
        var body = JsonSerializer.Serialize(new ChatTurnRequest { RequestId = "r1", ConversationId = "conv-1", UserMessageId = "u1", AssistantMessageId = "a1", Turn = 1 }, ContractsJsonContext.Default.ChatTurnRequest);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new SqsEvent([new SqsEventRecord { MessageId = "m1", ReceiptHandle = "rh", Body = body }]), LambdaEventsJsonContext.Default.SqsEvent);

        var response = await host.Handler.HandleAsync(new LambdaInvocation("inv", time.GetUtcNow().AddMinutes(1), null, null, payload), CancellationToken.None);

        Assert.Equal("""{"batchItemFailures":[]}""", Encoding.UTF8.GetString(response.Span));
        Assert.Equal("Hi there.", store.Outcome!.Text);
        Assert.StartsWith("w-test/", store.Claims[0].Lease.Owner, StringComparison.Ordinal);
        Assert.Equal("Hi there.", Viewer.Replay(publisher.Delivered).Text);
    }
}
