using System.Diagnostics;
using System.Globalization;
using System.Net;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using AppSyncChat.Aws.Sqs;
using AppSyncChat.Testing;

namespace AppSyncChat.Aws.Tests.Sqs;

/// <summary>
/// The official client (AWSSDK.SQS, configured by <see cref="SqsClientFactory"/>) against the third-party engine
/// local-aws-sqs on loopback: the queue behaviour our Worker, event-source mapping and Api rely on, and the
/// emulator's deviations we work around (Aws/Sqs/README.md).
/// </summary>
public sealed class SqsOfficialClientLocalServerTests(LocalSqsServer server) : IClassFixture<LocalSqsServer>, IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private readonly AmazonSQSClient _client = SqsClientFactory.Create(new BasicAWSCredentials(LocalSqsServer.AccessKey, LocalSqsServer.SecretKey), LocalSqsServer.Region, server.Endpoint);
    private readonly CancellationTokenSource _timeout = new(TestTimeout);

    private CancellationToken Ct => _timeout.Token;

    [Fact]
    public async Task CreateQueue_ThenGetQueueUrlAndAttributes_DescribeTheSameQueue()
    {
        var name = UniqueName();
        var url = await CreateQueueAsync(name, new() { [QueueAttributeName.VisibilityTimeout] = "45" });

        Assert.Equal(url, (await _client.GetQueueUrlAsync(name, Ct)).QueueUrl);
        var attributes = await AttributesAsync(url, QueueAttributeName.All);
        Assert.Equal("45", attributes[QueueAttributeName.VisibilityTimeout]);
        Assert.EndsWith(":" + name, attributes[QueueAttributeName.QueueArn], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiveMessage_LongPollAndMessageArrives_ReturnsItBeforeTheWaitEnds()
    {
        var url = await CreateQueueAsync(UniqueName());
        var stopwatch = Stopwatch.StartNew();
        var receive = ReceiveAsync(url, waitSeconds: 20);
        await Task.Delay(300, Ct); // let the long poll reach the server first
        Assert.False(receive.IsCompleted, "the long poll returned before any message was sent");

        await _client.SendMessageAsync(url, "late arrival", Ct);

        var message = Assert.Single(await receive);
        Assert.Equal("late arrival", message.Body);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"long poll took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task ReceiveMessage_EmptyQueueNoWait_ReturnsANullMessageList()
    {
        var url = await CreateQueueAsync(UniqueName());

        var response = await _client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url }, Ct);

        // AWSSDK 4 leaves absent collections null (not empty): every caller of ours writes `Messages ?? []`.
        Assert.Null(response.Messages);
    }

    [Fact]
    public async Task ReceiveMessage_VisibilityTimeoutExpires_MessageIsDeliveredAgainWithReceiveCount()
    {
        var url = await CreateQueueAsync(UniqueName(), new() { [QueueAttributeName.VisibilityTimeout] = "1" });
        await _client.SendMessageAsync(url, "again", Ct);

        var first = Assert.Single(await ReceiveAsync(url, waitSeconds: 5));
        Assert.Empty(await ReceiveAsync(url, waitSeconds: 0));
        var second = Assert.Single(await ReceiveAsync(url, waitSeconds: 10));

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal("1", first.Attributes[MessageSystemAttributeName.ApproximateReceiveCount]);
        Assert.Equal("2", second.Attributes[MessageSystemAttributeName.ApproximateReceiveCount]);
    }

    [Fact]
    public async Task ReceiveMessage_SystemAttributesAskedForWithTheCurrentMemberOnly_AreNotReturned()
    {
        // local-aws-sqs reads only the deprecated AttributeNames member, not MessageSystemAttributeNames (AWS reads
        // both), so every receive of ours sends both. If this test fails, the emulator was fixed: update the README.
        var url = await CreateQueueAsync(UniqueName());
        await _client.SendMessageAsync(url, "m", Ct);

        var response = await _client.ReceiveMessageAsync(
            new ReceiveMessageRequest { QueueUrl = url, WaitTimeSeconds = 5, MessageSystemAttributeNames = ["All"] }, Ct);

        Assert.Null(Assert.Single(response.Messages).Attributes);
    }

    [Fact]
    public async Task ReceiveMessage_EmptyQueueWithoutTheEmptyBodyRepair_FailsToUnmarshal()
    {
        // Why SqsClientFactory installs EmulatorTolerantHttpClientFactory for endpoint overrides: local-aws-sqs
        // answers an empty JSON-protocol receive with 200 and no body. If this test fails, the emulator was fixed.
        var config = SqsClientFactory.CreateConfig(LocalSqsServer.Region, server.Endpoint);
        config.HttpClientFactory = null;
        using var plain = new AmazonSQSClient(new BasicAWSCredentials(LocalSqsServer.AccessKey, LocalSqsServer.SecretKey), config);
        var url = await CreateQueueAsync(UniqueName());

        await Assert.ThrowsAsync<AmazonUnmarshallingException>(() => plain.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url }, Ct));
    }

    [Fact]
    public async Task ChangeMessageVisibility_ToZero_MakesTheMessageVisibleAtOnce()
    {
        var url = await CreateQueueAsync(UniqueName());
        await _client.SendMessageAsync(url, "hidden", Ct);
        var first = Assert.Single(await ReceiveAsync(url, waitSeconds: 5, visibilityTimeout: 600));
        Assert.Empty(await ReceiveAsync(url, waitSeconds: 0));

        await _client.ChangeMessageVisibilityAsync(url, first.ReceiptHandle, 0, Ct);

        var again = Assert.Single(await ReceiveAsync(url, waitSeconds: 5));
        Assert.Equal(first.MessageId, again.MessageId);
    }

    [Fact]
    public async Task ReceiveMessage_MoreReceivesThanMaxReceiveCount_MovesTheMessageToTheDlq()
    {
        var dlqUrl = await CreateQueueAsync(UniqueName("dlq"));
        var dlqArn = (await AttributesAsync(dlqUrl, QueueAttributeName.QueueArn))[QueueAttributeName.QueueArn];
        var redrive = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":2}""";
        var url = await CreateQueueAsync(UniqueName(), new() { [QueueAttributeName.RedrivePolicy] = redrive, [QueueAttributeName.VisibilityTimeout] = "1" });
        var sentId = (await _client.SendMessageAsync(url, "poison", Ct)).MessageId;

        // Never deleted ("processing failed"): each delivery reappears when its visibility timeout expires.
        // ChangeMessageVisibility is not used here: local-aws-sqs counts it as a receive.
        for (var receive = 1; receive <= 2; receive++)
        {
            var message = Assert.Single(await ReceiveAsync(url, waitSeconds: 5));
            Assert.Equal(receive.ToString(CultureInfo.InvariantCulture), message.Attributes[MessageSystemAttributeName.ApproximateReceiveCount]);
        }

        Assert.Empty(await ReceiveAsync(url, waitSeconds: 2));
        var dead = Assert.Single(await ReceiveAsync(dlqUrl, waitSeconds: 5));
        Assert.Equal(sentId, dead.MessageId);
        Assert.Equal("poison", dead.Body);
    }

    [Fact]
    public async Task DeleteMessageBatch_OneBadHandle_DeletesTheRestAndReportsTheBadEntry()
    {
        var url = await CreateQueueAsync(UniqueName());
        for (var i = 0; i < 3; i++)
        {
            await _client.SendMessageAsync(url, $"m{i}", Ct);
        }

        var received = await ReceiveAtLeastAsync(url, 3);
        var entries = received.Select((m, i) => new DeleteMessageBatchRequestEntry($"e{i}", m.ReceiptHandle))
            .Append(new DeleteMessageBatchRequestEntry("bogus", "not-a-receipt-handle")).ToList();

        var result = await _client.DeleteMessageBatchAsync(url, entries, Ct);

        Assert.Equal(3, result.Successful.Count);
        var failure = Assert.Single(result.Failed);
        Assert.Equal("bogus", failure.Id);
        Assert.Equal("ReceiptHandleIsInvalid", failure.Code);
        Assert.True(failure.SenderFault);
        var attributes = await AttributesAsync(url, QueueAttributeName.ApproximateNumberOfMessages, QueueAttributeName.ApproximateNumberOfMessagesNotVisible);
        Assert.Equal("0", attributes[QueueAttributeName.ApproximateNumberOfMessages]);
        Assert.Equal("0", attributes[QueueAttributeName.ApproximateNumberOfMessagesNotVisible]);
    }

    [Fact]
    public async Task DeleteMessage_BadReceiptHandle_ThrowsTypedSenderError()
    {
        var url = await CreateQueueAsync(UniqueName());

        var error = await Assert.ThrowsAsync<ReceiptHandleIsInvalidException>(() => _client.DeleteMessageAsync(url, "not-a-receipt-handle", Ct));

        Assert.Equal("ReceiptHandleIsInvalid", error.ErrorCode);
        // The model says 404; local-aws-sqs answers a malformed handle with 400. Either is a client error.
        Assert.True(error.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"status {error.StatusCode}");
        Assert.Equal(ErrorType.Sender, error.ErrorType);
        Assert.Null(error.Retryable);
    }

    [Fact]
    public async Task GetQueueUrl_MissingQueue_ThrowsQueueDoesNotExist()
    {
        var error = await Assert.ThrowsAsync<QueueDoesNotExistException>(() => _client.GetQueueUrlAsync(UniqueName("missing"), Ct));

        // The legacy Query code from x-amzn-query-error wins over the JSON __type, as on AWS.
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", error.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal(ErrorType.Sender, error.ErrorType);
        Assert.Null(error.Retryable);
    }

    [Fact]
    public async Task SendMessage_ToMissingQueue_ThrowsQueueDoesNotExist()
    {
        var url = new Uri(server.Endpoint, "123456789012/" + UniqueName("gone")).ToString();

        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => _client.SendMessageAsync(url, "x", Ct));
    }

    [Fact]
    public async Task ReceiveMessage_AttributesOfEveryTypeAndTraceHeader_RoundTripThroughTheSdkDigestChecks()
    {
        var url = await CreateQueueAsync(UniqueName());
        const string Trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        var send = new SendMessageRequest(url, "body with ünïcode ✓")
        {
            MessageAttributes = new()
            {
                ["traceparent"] = new() { DataType = "String", StringValue = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
                ["attempt"] = new() { DataType = "Number", StringValue = "3" },
                ["blob"] = new() { DataType = "Binary", BinaryValue = new MemoryStream([0, 1, 2, 255]) },
                ["label"] = new() { DataType = "String.custom", StringValue = "plain ascii label" },
            },
            MessageSystemAttributes = new() { [MessageSystemAttributeNameForSends.AWSTraceHeader] = new() { DataType = "String", StringValue = Trace } },
        };

        // The SDK checks MD5OfMessageBody and MD5OfMessageAttributes of the send and of the receive itself and
        // throws on a mismatch; reaching the asserts means both matched.
        var sent = await _client.SendMessageAsync(send, Ct);
        var message = Assert.Single(await ReceiveAsync(url, waitSeconds: 5));

        Assert.Equal(sent.MessageId, message.MessageId);
        Assert.Equal("body with ünïcode ✓", message.Body);
        Assert.Equal(sent.MD5OfMessageAttributes, message.MD5OfMessageAttributes);
        Assert.Equal(4, message.MessageAttributes.Count);
        Assert.Equal([0, 1, 2, 255], message.MessageAttributes["blob"].BinaryValue.ToArray());
        Assert.Equal("plain ascii label", message.MessageAttributes["label"].StringValue);
        Assert.Equal("String.custom", message.MessageAttributes["label"].DataType);
        Assert.Equal(Trace, message.Attributes[MessageSystemAttributeName.AWSTraceHeader]);
        Assert.True(message.Attributes.ContainsKey(MessageSystemAttributeName.SentTimestamp));
    }

    [Fact]
    public async Task SendMessage_NonAsciiStringAttribute_FailsTheSdkDigestCheckAgainstThisEmulator()
    {
        // local-aws-sqs length-prefixes string attribute values with their UTF-16 length instead of their UTF-8
        // byte length, so its MD5OfMessageAttributes of a non-ASCII value differs from what AWS (and the SDK)
        // compute. The SDK has no switch to skip the check: our attribute values stay ASCII (trace context, ids).
        // If this test fails, the emulator was fixed: update Aws/Sqs/README.md.
        var url = await CreateQueueAsync(UniqueName());
        var send = new SendMessageRequest(url, "body")
        {
            MessageAttributes = new() { ["label"] = new() { DataType = "String", StringValue = "ünïcode ✓" } },
        };

        var error = await Assert.ThrowsAsync<AmazonSQSException>(() => _client.SendMessageAsync(send, Ct));

        Assert.Contains("MD5", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _client.Dispose();
        _timeout.Dispose();
    }

    private async Task<string> CreateQueueAsync(string name, Dictionary<string, string>? attributes = null) =>
        (await _client.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = attributes }, Ct)).QueueUrl;

    private async Task<Dictionary<string, string>> AttributesAsync(string url, params string[] names) =>
        (await _client.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = [.. names] }, Ct)).Attributes;

    private async Task<List<Message>> ReceiveAsync(string url, int waitSeconds, int? visibilityTimeout = null, int max = 1)
    {
#pragma warning disable CS0618 // AttributeNames: see ReceiveMessage_SystemAttributesAskedForWithTheCurrentMemberOnly_AreNotReturned.
        var request = new ReceiveMessageRequest
        {
            QueueUrl = url,
            MaxNumberOfMessages = max,
            WaitTimeSeconds = waitSeconds,
            MessageSystemAttributeNames = ["All"],
            AttributeNames = ["All"],
            MessageAttributeNames = ["All"],
        };
#pragma warning restore CS0618
        if (visibilityTimeout is { } seconds)
        {
            request.VisibilityTimeout = seconds;
        }

        return (await _client.ReceiveMessageAsync(request, Ct)).Messages ?? [];
    }

    private async Task<List<Message>> ReceiveAtLeastAsync(string url, int count)
    {
        var result = new List<Message>();
        while (result.Count < count)
        {
            result.AddRange(await ReceiveAsync(url, waitSeconds: 5, max: 10));
        }

        return result;
    }

    private static string UniqueName(string prefix = "q") => $"{prefix}-{Guid.NewGuid():N}";
}
