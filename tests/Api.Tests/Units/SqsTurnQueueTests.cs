using System.Net;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using AppSyncChat.Api.Turns;

namespace AppSyncChat.Api.Tests.Units;

/// <summary>Which SQS failures of the enqueue the Api reports as retryable (InternalError.retryable).</summary>
public sealed class SqsTurnQueueTests
{
    [Fact]
    public void IsRetryable_SenderFault_IsNot()
    {
        Assert.False(SqsTurnQueue.IsRetryable(new QueueDoesNotExistException("gone") { ErrorType = ErrorType.Sender, StatusCode = HttpStatusCode.BadRequest }));
    }

    [Fact]
    public void IsRetryable_ThrottlingSenderFault_Is()
    {
        Assert.True(SqsTurnQueue.IsRetryable(new AmazonSQSException("slow down") { ErrorType = ErrorType.Sender, ErrorCode = "RequestThrottled", StatusCode = HttpStatusCode.Forbidden }));
    }

    [Fact]
    public void IsRetryable_ServiceFaultOrTransportFailure_Is()
    {
        Assert.True(SqsTurnQueue.IsRetryable(new AmazonSQSException("busy") { ErrorType = ErrorType.Receiver, StatusCode = HttpStatusCode.ServiceUnavailable }));
        Assert.True(SqsTurnQueue.IsRetryable(new HttpRequestException("Connection refused")));
    }
}
