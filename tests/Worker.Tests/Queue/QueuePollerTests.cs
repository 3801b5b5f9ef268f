using System.Text.Json;
using AppSyncChat.Aws.Sqs;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Worker.Queue;
using AppSyncChat.Worker.Tests.Fakes;
using AppSyncChat.Worker.Tests.Turns;
using static AppSyncChat.Worker.Tests.Fakes.ModelStep;

namespace AppSyncChat.Worker.Tests.Queue;

public sealed class QueuePollerTests
{
    [Fact]
    public async Task Batch_DeletesTheRecordsThatSucceeded_LeavesTheFailedOnesForRedelivery()
    {
        var h = new TurnHarness(new FakeChatClient([Text("answer")]));
        var sqs = new RecordingSqs();
        var poller = new QueuePoller(sqs, new SqsBatchHandler(h.Processor, h.Log), new QueuePollerOptions { QueueUrl = "http://127.0.0.1:9/q" }, h.Time, h.Log);
        var good = JsonSerializer.Serialize(new ChatTurnRequest { RequestId = "r", ConversationId = "conv-1", UserMessageId = "u1", AssistantMessageId = "a1", Turn = 1 }, ContractsJsonContext.Default.ChatTurnRequest);

        await poller.HandleBatchAsync("poll-0-1", [Message("m-good", good), Message("m-poison", "nope")], CancellationToken.None);

        Assert.Equal(["m-good"], sqs.Deleted.Select(d => d.Id));
        Assert.Equal("rh-m-good", sqs.Deleted[0].ReceiptHandle);
        Assert.Equal("answer", h.Store.Outcome!.Text);
    }

    [Fact]
    public async Task Run_VisibilityShorterThanTheBatchTimeout_IsRefused()
    {
        var h = new TurnHarness(new FakeChatClient());
        var poller = new QueuePoller(new RecordingSqs(), new SqsBatchHandler(h.Processor, h.Log), new QueuePollerOptions { QueueUrl = "q", BatchTimeout = TimeSpan.FromMinutes(5), VisibilityTimeout = TimeSpan.FromMinutes(5) }, h.Time, h.Log);

        await Assert.ThrowsAsync<ArgumentException>(() => poller.RunAsync(CancellationToken.None));
    }

    private static SqsMessage Message(string id, string body) =>
        new(id, "rh-" + id, body, "md5", new Dictionary<string, string> { ["ApproximateReceiveCount"] = "1" }, new Dictionary<string, SqsMessageAttribute>(), null);

    private sealed class RecordingSqs : ISqsClient
    {
        public List<SqsDeleteEntry> Deleted { get; } = [];

        public Task<IReadOnlyList<SqsBatchEntryError>> DeleteMessageBatchAsync(string queueUrl, IReadOnlyList<SqsDeleteEntry> entries, CancellationToken cancellationToken)
        {
            Deleted.AddRange(entries);
            return Task.FromResult<IReadOnlyList<SqsBatchEntryError>>([]);
        }

        public Task<IReadOnlyList<SqsMessage>> ReceiveMessagesAsync(SqsReceiveRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> CreateQueueAsync(string queueName, IReadOnlyDictionary<string, string>? attributes, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> GetQueueUrlAsync(string queueName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyDictionary<string, string>> GetQueueAttributesAsync(string queueUrl, IReadOnlyList<string> attributeNames, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> SendMessageAsync(SqsSendRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DeleteMessageAsync(string queueUrl, string receiptHandle, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task ChangeMessageVisibilityAsync(string queueUrl, string receiptHandle, int visibilityTimeoutSeconds, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
