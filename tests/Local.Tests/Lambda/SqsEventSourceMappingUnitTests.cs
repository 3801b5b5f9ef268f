using System.Text;
using Amazon.SQS.Model;
using AppSyncChat.Local.Lambda;

namespace AppSyncChat.Local.Tests.Lambda;

/// <summary>Partial batch response rules and event building, without a network.</summary>
public sealed class SqsEventSourceMappingUnitTests
{
    private static readonly string[] Batch = ["m1", "m2", "m3"];

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("""{"batchItemFailures":null}""")]
    [InlineData("""{"batchItemFailures":[]}""")]
    public void ParseBatchItemFailures_EmptyOrNullResponse_AllSucceeded(string response)
    {
        var failed = SqsEventSourceMapping.ParseBatchItemFailures(Encoding.UTF8.GetBytes(response), Batch);

        Assert.NotNull(failed);
        Assert.Empty(failed);
    }

    [Fact]
    public void ParseBatchItemFailures_KnownIds_OnlyThoseFail()
    {
        var failed = SqsEventSourceMapping.ParseBatchItemFailures("""{"batchItemFailures":[{"itemIdentifier":"m2"}]}"""u8, Batch);

        Assert.Equal(["m2"], failed!);
    }

    [Theory]
    [InlineData("""{"batchItemFailures":[{"itemIdentifier":"m9"}]}""")] // not in the batch
    [InlineData("""{"batchItemFailures":[{"itemIdentifier":""}]}""")] // empty
    [InlineData("""{"batchItemFailures":[{"itemIdentifier":null}]}""")] // null
    [InlineData("""{"batchItemFailures":[{"id":"m1"}]}""")] // bad key name
    [InlineData("""{"batchItemFailures":[{"itemIdentifier":"m1"}""")] // invalid JSON
    public void ParseBatchItemFailures_InvalidEntry_WholeBatchFailed(string response)
    {
        Assert.Null(SqsEventSourceMapping.ParseBatchItemFailures(Encoding.UTF8.GetBytes(response), Batch));
    }

    [Fact]
    public void BuildEvent_MessageWithAttributes_UsesLambdaRecordShape()
    {
        var message = new Message
        {
            MessageId = "id-1",
            ReceiptHandle = "rh-1",
            Body = "Test message.",
            MD5OfBody = "e4e68fb7bd0e697a0ae8f1bb342846b3",
            Attributes = new() { ["ApproximateReceiveCount"] = "1", ["AWSTraceHeader"] = "Root=1-abc" },
            MessageAttributes = new()
            {
                ["b"] = new() { DataType = "Binary", BinaryValue = new MemoryStream([255]) },
                ["s"] = new() { DataType = "Number", StringValue = "42" },
            },
            MD5OfMessageAttributes = "md5attrs",
        };

        var record = Assert.Single(SqsEventSourceMapping.BuildEvent([message], "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1").Records);

        Assert.Equal("id-1", record.MessageId);
        Assert.Equal("rh-1", record.ReceiptHandle);
        Assert.Equal("/w==", record.MessageAttributes["b"].BinaryValue);
        Assert.Equal("42", record.MessageAttributes["s"].StringValue);
        Assert.Empty(record.MessageAttributes["s"].StringListValues);
        Assert.Equal("Root=1-abc", record.Attributes["AWSTraceHeader"]);
        Assert.Equal("md5attrs", record.Md5OfMessageAttributes);
        Assert.Equal("e4e68fb7bd0e697a0ae8f1bb342846b3", record.Md5OfBody);
        Assert.Equal("arn:aws:sqs:us-east-1:123456789012:q", record.EventSourceArn);
    }
}
