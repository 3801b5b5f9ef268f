using System.Net;
using System.Text;
using AppSyncChat.Aws.Sqs;

namespace AppSyncChat.Aws.Tests.Sqs;

/// <summary>Response handling without a network: canned HTTP answers fed through the real client.</summary>
public sealed class SqsClientResponseTests
{
    private const string QueueUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/q";

    [Fact]
    public async Task GetQueueUrl_QueryErrorHeaderPresent_UsesLegacyCodeAndFault()
    {
        using var client = Client(_ => Response(HttpStatusCode.BadRequest,
            """{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}""",
            ("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"), ("x-amzn-RequestId", "req-1")));

        var error = await Assert.ThrowsAsync<SqsException>(() => client.GetQueueUrlAsync("missing", CancellationToken.None));

        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", error.Code);
        Assert.Equal("QueueDoesNotExist", error.ErrorType);
        Assert.True(error.SenderFault);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("req-1", error.RequestId);
        Assert.False(error.IsRetryable);
        Assert.True(error.IsQueueDoesNotExist);
        Assert.Equal("The specified queue does not exist.", error.Message);
    }

    [Fact]
    public async Task SendMessage_NoQueryErrorHeader_UsesSanitisedType()
    {
        using var client = Client(_ => Response(HttpStatusCode.BadRequest,
            """{"__type":"com.amazon.coral.validate#ValidationException:http://internal.amazon.com/coral/","message":"bad"}"""));

        var error = await Assert.ThrowsAsync<SqsException>(() => client.SendMessageAsync(new SqsSendRequest(QueueUrl, "x"), CancellationToken.None));

        Assert.Equal("ValidationException", error.Code);
        Assert.True(error.SenderFault);
    }

    [Fact]
    public async Task ReceiveMessages_ServiceUnavailable_IsRetryableReceiverFault()
    {
        using var client = Client(_ => Response(HttpStatusCode.ServiceUnavailable, "<html>busy</html>"));

        var error = await Assert.ThrowsAsync<SqsException>(() => client.ReceiveMessagesAsync(new SqsReceiveRequest(QueueUrl), CancellationToken.None));

        Assert.Equal("UnknownError", error.Code);
        Assert.False(error.SenderFault);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task ReceiveMessages_ThrottledSenderFault_IsRetryable()
    {
        using var client = Client(_ => Response(HttpStatusCode.Forbidden,
            """{"__type":"com.amazonaws.sqs#RequestThrottled","message":"slow down"}""", ("x-amzn-query-error", "RequestThrottled;Sender")));

        var error = await Assert.ThrowsAsync<SqsException>(() => client.ReceiveMessagesAsync(new SqsReceiveRequest(QueueUrl), CancellationToken.None));

        Assert.Equal("RequestThrottled", error.Code);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task ReceiveMessages_BodyDigestWrong_ThrowsChecksumMismatch()
    {
        using var client = Client(_ => Response(HttpStatusCode.OK,
            """{"Messages":[{"MessageId":"m1","ReceiptHandle":"r1","Body":"Test message.","MD5OfBody":"00000000000000000000000000000000"}]}"""));

        var error = await Assert.ThrowsAsync<SqsException>(() => client.ReceiveMessagesAsync(new SqsReceiveRequest(QueueUrl), CancellationToken.None));

        Assert.Equal(SqsWireNames.ErrorCodes.ChecksumMismatch, error.Code);
    }

    [Fact]
    public async Task ReceiveMessages_AttributeDigestWrong_ThrowsChecksumMismatch()
    {
        using var client = Client(_ => Response(HttpStatusCode.OK,
            """
            {"Messages":[{"MessageId":"m1","ReceiptHandle":"r1","Body":"Test message.","MD5OfBody":"e4e68fb7bd0e697a0ae8f1bb342846b3",
              "MessageAttributes":{"attribName1":{"DataType":"String","StringValue":"tampered"}},
              "MD5OfMessageAttributes":"19e27d4e946b072f3f58da80d94fd778"}]}
            """));

        var error = await Assert.ThrowsAsync<SqsException>(() => client.ReceiveMessagesAsync(new SqsReceiveRequest(QueueUrl), CancellationToken.None));

        Assert.Equal(SqsWireNames.ErrorCodes.ChecksumMismatch, error.Code);
    }

    [Fact]
    public async Task ReceiveMessages_DigestsMatch_ReturnsMessageWithAttributes()
    {
        using var client = Client(_ => Response(HttpStatusCode.OK,
            """
            {"Messages":[{"MessageId":"m1","ReceiptHandle":"r1","Body":"Test message.","MD5OfBody":"e4e68fb7bd0e697a0ae8f1bb342846b3",
              "Attributes":{"ApproximateReceiveCount":"1"},
              "MessageAttributes":{"binaryAttribute":{"DataType":"Binary","BinaryValue":"SGVsbG8gYmluYXJ5IHdvcmxkIQ=="}},
              "MD5OfMessageAttributes":"31a92b15d92f8db860eda32aceb656c3"}]}
            """));

        var message = Assert.Single(await client.ReceiveMessagesAsync(new SqsReceiveRequest(QueueUrl), CancellationToken.None));

        Assert.Equal("Hello binary world!", Encoding.UTF8.GetString(message.MessageAttributes["binaryAttribute"].BinaryValue!));
        Assert.Equal("1", message.Attributes["ApproximateReceiveCount"]);
    }

    [Fact]
    public async Task SendMessage_RequestOnTheWire_HasTargetContentTypeAndPascalCaseMembers()
    {
        HttpRequestMessage? seen = null;
        string? body = null;
        using var client = Client(request =>
        {
            seen = request;
            body = request.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
            return Response(HttpStatusCode.OK, """{"MessageId":"m1","MD5OfMessageBody":"e4e68fb7bd0e697a0ae8f1bb342846b3"}""");
        });

        var id = await client.SendMessageAsync(new SqsSendRequest(QueueUrl, "Test message.") { AwsTraceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793" }, CancellationToken.None);

        Assert.Equal("m1", id);
        Assert.Equal("AmazonSQS.SendMessage", seen!.Headers.GetValues("X-Amz-Target").Single());
        Assert.Equal("application/x-amz-json-1.0", seen.Content!.Headers.ContentType!.MediaType);
        Assert.Contains("\"QueueUrl\":", body, StringComparison.Ordinal);
        Assert.Contains("\"MessageBody\":\"Test message.\"", body, StringComparison.Ordinal);
        Assert.Contains("\"MessageSystemAttributes\":{\"AWSTraceHeader\":{\"DataType\":\"String\",\"StringValue\":\"Root=1-5759e988-bd862e3fe1be46a994272793\"}}", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendMessage_ReservedAttributeName_ThrowsBeforeSending()
    {
        using var client = Client(_ => throw new InvalidOperationException("must not send"));
        var request = new SqsSendRequest(QueueUrl, "x") { MessageAttributes = new Dictionary<string, SqsMessageAttribute> { ["AWS.bad"] = new("String", "v") } };

        await Assert.ThrowsAsync<ArgumentException>(() => client.SendMessageAsync(request, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteMessage_EmptyJsonObjectOrEmptyBody_Succeeds()
    {
        var bodies = new Queue<string>(["{}", ""]);
        using var client = Client(_ => Response(HttpStatusCode.OK, bodies.Dequeue()));

        await client.DeleteMessageAsync(QueueUrl, "r1", CancellationToken.None);
        await client.DeleteMessageAsync(QueueUrl, "r2", CancellationToken.None);

        Assert.Empty(bodies);
    }

    private static SqsClient Client(Func<HttpRequestMessage, HttpResponseMessage> respond) =>
        new(new HttpClient(new CannedHandler(respond)), new Uri("https://sqs.us-east-1.amazonaws.com/"), ownsClient: true);

    private static HttpResponseMessage Response(HttpStatusCode status, string body, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.0") };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    private sealed class CannedHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(respond(request));
    }
}
