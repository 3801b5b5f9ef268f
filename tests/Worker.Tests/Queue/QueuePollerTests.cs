using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
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

        var delete = Assert.Single(sqs.Deleted);
        Assert.Equal("http://127.0.0.1:9/q", delete.QueueUrl);
        Assert.Equal(["m-good"], delete.Entries.Select(d => d.Id));
        Assert.Equal("rh-m-good", delete.Entries[0].ReceiptHandle);
        Assert.Equal("answer", h.Store.Outcome!.Text);
    }

    [Fact]
    public async Task Run_VisibilityShorterThanTheBatchTimeout_IsRefused()
    {
        var h = new TurnHarness(new FakeChatClient());
        var poller = new QueuePoller(new RecordingSqs(), new SqsBatchHandler(h.Processor, h.Log), new QueuePollerOptions { QueueUrl = "q", BatchTimeout = TimeSpan.FromMinutes(5), VisibilityTimeout = TimeSpan.FromMinutes(5) }, h.Time, h.Log);

        await Assert.ThrowsAsync<ArgumentException>(() => poller.RunAsync(CancellationToken.None));
    }

    private static Message Message(string id, string body) => new()
    {
        MessageId = id,
        ReceiptHandle = "rh-" + id,
        Body = body,
        MD5OfBody = "md5",
        Attributes = new() { ["ApproximateReceiveCount"] = "1" },
    };

    /// <summary>The SDK client with its one call the poller makes here replaced; it never opens a connection.</summary>
    private sealed class RecordingSqs() : AmazonSQSClient(new AnonymousAWSCredentials(), new AmazonSQSConfig { ServiceURL = "http://127.0.0.1:9/" })
    {
        public List<DeleteMessageBatchRequest> Deleted { get; } = [];

        public override Task<DeleteMessageBatchResponse> DeleteMessageBatchAsync(DeleteMessageBatchRequest request, CancellationToken cancellationToken = default)
        {
            Deleted.Add(request);
            return Task.FromResult(new DeleteMessageBatchResponse { Successful = [.. request.Entries.Select(e => new DeleteMessageBatchResultEntry { Id = e.Id })] });
        }
    }
}
