using System.Diagnostics;
using System.Net;
using Amazon.Runtime;
using AppSyncChat.Aws.Sqs;
using AppSyncChat.Testing;

namespace AppSyncChat.Aws.Tests.Sqs;

/// <summary>The SQS client against the independent third-party engine local-aws-sqs on loopback.</summary>
public sealed class SqsClientLocalServerTests(LocalSqsServer server) : IClassFixture<LocalSqsServer>, IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private readonly SqsClient _client = SqsClient.Create(new BasicAWSCredentials(LocalSqsServer.AccessKey, LocalSqsServer.SecretKey), LocalSqsServer.Region, server.Endpoint);
    private readonly CancellationTokenSource _timeout = new(TestTimeout);

    private CancellationToken Ct => _timeout.Token;

    [Fact]
    public async Task CreateQueue_ThenGetQueueUrlAndAttributes_DescribeTheSameQueue()
    {
        var name = UniqueName();
        var url = await _client.CreateQueueAsync(name, new Dictionary<string, string> { ["VisibilityTimeout"] = "45" }, Ct);

        Assert.Equal(url, await _client.GetQueueUrlAsync(name, Ct));
        var attributes = await _client.GetQueueAttributesAsync(url, ["All"], Ct);
        Assert.Equal("45", attributes["VisibilityTimeout"]);
        Assert.EndsWith(":" + name, attributes["QueueArn"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiveMessages_LongPollAndMessageArrives_ReturnsItBeforeTheWaitEnds()
    {
        var url = await _client.CreateQueueAsync(UniqueName(), null, Ct);
        var stopwatch = Stopwatch.StartNew();
        var receive = _client.ReceiveMessagesAsync(new SqsReceiveRequest(url) { WaitTimeSeconds = 20 }, Ct);
        await Task.Delay(300, Ct); // let the long poll reach the server first
        Assert.False(receive.IsCompleted, "the long poll returned before any message was sent");

        await _client.SendMessageAsync(new SqsSendRequest(url, "late arrival"), Ct);

        var message = Assert.Single(await receive);
        Assert.Equal("late arrival", message.Body);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"long poll took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task ReceiveMessages_VisibilityTimeoutExpires_MessageIsDeliveredAgain()
    {
        var url = await _client.CreateQueueAsync(UniqueName(), new Dictionary<string, string> { ["VisibilityTimeout"] = "1" }, Ct);
        await _client.SendMessageAsync(new SqsSendRequest(url, "again"), Ct);

        var first = Assert.Single(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(url) { WaitTimeSeconds = 5 }, Ct));
        Assert.Empty(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(url), Ct));
        var second = Assert.Single(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(url) { WaitTimeSeconds = 10 }, Ct));

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal("1", first.Attributes[SqsWireNames.SystemAttributes.ApproximateReceiveCount]);
        Assert.Equal("2", second.Attributes[SqsWireNames.SystemAttributes.ApproximateReceiveCount]);
    }

    [Fact]
    public async Task ChangeMessageVisibility_ToZero_MakesTheMessageVisibleAtOnce()
    {
        var url = await _client.CreateQueueAsync(UniqueName(), null, Ct);
        await _client.SendMessageAsync(new SqsSendRequest(url, "hidden"), Ct);
        var first = Assert.Single(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(url) { WaitTimeSeconds = 5, VisibilityTimeout = 600 }, Ct));
        Assert.Empty(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(url), Ct));

        await _client.ChangeMessageVisibilityAsync(url, first.ReceiptHandle, 0, Ct);

        var again = Assert.Single(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(url) { WaitTimeSeconds = 5 }, Ct));
        Assert.Equal(first.MessageId, again.MessageId);
    }

    [Fact]
    public async Task ReceiveMessages_MoreReceivesThanMaxReceiveCount_MovesTheMessageToTheDlq()
    {
        var dlqUrl = await _client.CreateQueueAsync(UniqueName("dlq"), null, Ct);
        var dlqArn = (await _client.GetQueueAttributesAsync(dlqUrl, ["QueueArn"], Ct))["QueueArn"];
        var redrive = $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":2}""";
        var url = await _client.CreateQueueAsync(UniqueName(), new Dictionary<string, string> { ["RedrivePolicy"] = redrive, ["VisibilityTimeout"] = "1" }, Ct);
        var sentId = await _client.SendMessageAsync(new SqsSendRequest(url, "poison"), Ct);

        // Never deleted ("processing failed"): each delivery reappears when its visibility timeout expires.
        // ChangeMessageVisibility is not used here: local-aws-sqs counts it as a receive.
        for (var receive = 1; receive <= 2; receive++)
        {
            var message = Assert.Single(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(url) { WaitTimeSeconds = 5 }, Ct));
            Assert.Equal(receive.ToString(System.Globalization.CultureInfo.InvariantCulture), message.Attributes[SqsWireNames.SystemAttributes.ApproximateReceiveCount]);
        }

        Assert.Empty(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(url) { WaitTimeSeconds = 2 }, Ct));
        var dead = Assert.Single(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(dlqUrl) { WaitTimeSeconds = 5 }, Ct));
        Assert.Equal(sentId, dead.MessageId);
        Assert.Equal("poison", dead.Body);
    }

    [Fact]
    public async Task DeleteMessageBatch_OneBadHandle_DeletesTheRestAndReportsTheBadEntry()
    {
        var url = await _client.CreateQueueAsync(UniqueName(), null, Ct);
        for (var i = 0; i < 3; i++)
        {
            await _client.SendMessageAsync(new SqsSendRequest(url, $"m{i}"), Ct);
        }

        var received = await ReceiveAtLeastAsync(url, 3);
        var entries = received.Select((m, i) => new SqsDeleteEntry($"e{i}", m.ReceiptHandle)).Append(new SqsDeleteEntry("bogus", "not-a-receipt-handle")).ToList();

        var failures = await _client.DeleteMessageBatchAsync(url, entries, Ct);

        var failure = Assert.Single(failures);
        Assert.Equal("bogus", failure.Id);
        Assert.Equal("ReceiptHandleIsInvalid", failure.Code);
        Assert.True(failure.SenderFault);
        var attributes = await _client.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"], Ct);
        Assert.Equal("0", attributes["ApproximateNumberOfMessages"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessagesNotVisible"]);
    }

    [Fact]
    public async Task DeleteMessage_BadReceiptHandle_ThrowsTypedSenderError()
    {
        var url = await _client.CreateQueueAsync(UniqueName(), null, Ct);

        var error = await Assert.ThrowsAsync<SqsException>(() => _client.DeleteMessageAsync(url, "not-a-receipt-handle", Ct));

        Assert.Equal("ReceiptHandleIsInvalid", error.Code);
        // The model says 404; local-aws-sqs answers a malformed handle with 400. Either is a client error.
        Assert.True(error.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"status {error.StatusCode}");
        Assert.True(error.SenderFault);
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public async Task GetQueueUrl_MissingQueue_ThrowsNonExistentQueue()
    {
        var error = await Assert.ThrowsAsync<SqsException>(() => _client.GetQueueUrlAsync(UniqueName("missing"), Ct));

        Assert.True(error.IsQueueDoesNotExist, $"code {error.Code}, type {error.ErrorType}");
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", error.Code);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.True(error.SenderFault);
        Assert.False(error.IsRetryable);
    }

    [Fact]
    public async Task SendMessage_ToMissingQueue_ThrowsNonExistentQueue()
    {
        var url = new Uri(server.Endpoint, "123456789012/" + UniqueName("gone")).ToString();

        var error = await Assert.ThrowsAsync<SqsException>(() => _client.SendMessageAsync(new SqsSendRequest(url, "x"), Ct));

        Assert.True(error.IsQueueDoesNotExist, $"code {error.Code}, type {error.ErrorType}");
    }

    [Fact]
    public async Task ReceiveMessages_AttributesOfEveryTypeAndTraceHeader_RoundTripWithVerifiedDigests()
    {
        var url = await _client.CreateQueueAsync(UniqueName(), null, Ct);
        var attributes = new Dictionary<string, SqsMessageAttribute>
        {
            ["traceparent"] = new("String", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            ["attempt"] = new("Number", "3"),
            ["blob"] = new("Binary", BinaryValue: [0, 1, 2, 255]),
            // ASCII only: local-aws-sqs length-prefixes string values with their UTF-16 length rather than their
            // UTF-8 byte length, so its digest of non-ASCII attribute values disagrees with SQS's algorithm.
            ["label"] = new("String.custom", "plain ascii label"),
        };
        const string Trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

        await _client.SendMessageAsync(new SqsSendRequest(url, "body with ünïcode ✓") { MessageAttributes = attributes, AwsTraceHeader = Trace }, Ct);
        var message = Assert.Single(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(url) { WaitTimeSeconds = 5 }, Ct));

        Assert.Equal("body with ünïcode ✓", message.Body);
        Assert.Equal(SqsMd5.OfBody(message.Body), message.Md5OfBody);
        Assert.Equal(SqsMd5.OfAttributes(attributes), message.Md5OfMessageAttributes);
        Assert.Equal(4, message.MessageAttributes.Count);
        Assert.Equal([0, 1, 2, 255], message.MessageAttributes["blob"].BinaryValue);
        Assert.Equal("plain ascii label", message.MessageAttributes["label"].StringValue);
        Assert.Equal("String.custom", message.MessageAttributes["label"].DataType);
        Assert.Equal(Trace, message.Attributes[SqsWireNames.SystemAttributes.AwsTraceHeader]);
        Assert.True(message.Attributes.ContainsKey(SqsWireNames.SystemAttributes.SentTimestamp));
    }

    public void Dispose()
    {
        _client.Dispose();
        _timeout.Dispose();
    }

    private async Task<List<SqsMessage>> ReceiveAtLeastAsync(string url, int count)
    {
        var result = new List<SqsMessage>();
        while (result.Count < count)
        {
            result.AddRange(await _client.ReceiveMessagesAsync(new SqsReceiveRequest(url) { MaxNumberOfMessages = 10, WaitTimeSeconds = 5 }, Ct));
        }

        return result;
    }

    private static string UniqueName(string prefix = "q") => $"{prefix}-{Guid.NewGuid():N}";
}
