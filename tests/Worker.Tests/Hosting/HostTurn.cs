using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Hosting;
using AppSyncChat.Worker.Publishing;
using AppSyncChat.Worker.Tests.Fakes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Worker.Tests.Hosting;

/// <summary>One SQS record through the composition root's handler, over fakes and a stopped manual clock.</summary>
internal static class HostTurn
{
    public static async Task<(string Response, FakeTurnStore Store, FakeEventsPublisher Publisher)> RunAsync(IReadOnlyDictionary<string, string?> settings, IChatClient chat, IPublishPolicy? publishPolicy = null)
    {
        var time = new ManualTimeProvider();
        var store = new FakeTurnStore(FakeTurnStore.User("u1", "Say hi"));
        var publisher = new FakeEventsPublisher();
        using var host = WorkerHost.Create(settings.GetValueOrDefault, NullLoggerFactory.Instance, new WorkerSeams
        {
            Chat = chat,
            Store = store,
            Events = publisher,
            Time = time,
            WorkerId = "w-test",
            PublishPolicy = publishPolicy,
        });
        var body = JsonSerializer.Serialize(new ChatTurnRequest { RequestId = "r1", ConversationId = "conv-1", UserMessageId = "u1", AssistantMessageId = "a1", Turn = 1 }, ContractsJsonContext.Default.ChatTurnRequest);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new SqsEvent([new SqsEventRecord { MessageId = "m1", ReceiptHandle = "rh", Body = body }]), LambdaEventsJsonContext.Default.SqsEvent);

        var response = await host.Handler.HandleAsync(new LambdaInvocation("inv", time.GetUtcNow().AddMinutes(1), null, null, payload), CancellationToken.None);
        return (Encoding.UTF8.GetString(response.Span), store, publisher);
    }
}
