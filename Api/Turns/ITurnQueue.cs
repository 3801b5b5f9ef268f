using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace AppSyncChat.Api.Turns;

/// <summary>
/// Where <see cref="TurnStarter"/> sends a turn: one SQS SendMessage. A seam of one method so the resolver tests
/// can record the exact <see cref="SendMessageRequest"/> and simulate an outage without an SQS engine.
/// </summary>
public interface ITurnQueue
{
    /// <summary>Sends the message and returns its SQS MessageId.</summary>
    Task<string> SendAsync(SendMessageRequest request, CancellationToken cancellationToken);
}

/// <summary>The production <see cref="ITurnQueue"/>: AWSSDK.SQS (MD5 of body and attributes checked by the SDK).</summary>
public sealed class SqsTurnQueue(IAmazonSQS sqs) : ITurnQueue
{
    public async Task<string> SendAsync(SendMessageRequest request, CancellationToken cancellationToken) =>
        (await sqs.SendMessageAsync(request, cancellationToken).ConfigureAwait(false)).MessageId;

    /// <summary>
    /// Whether a caller may retry after <paramref name="exception"/>: anything but a client-side fault of the request
    /// itself (a missing queue, access denied, a bad attribute). Throttling is a sender fault that is retryable; the
    /// SQS exceptions of AWSSDK.SQS 4.1 carry no <c>Retryable</c> details, so it is recognised by its code.
    /// </summary>
    public static bool IsRetryable(Exception exception) => exception switch
    {
        AmazonServiceException { ErrorType: ErrorType.Sender } service =>
            service.Retryable is not null
            || service.StatusCode == System.Net.HttpStatusCode.TooManyRequests
            || service.ErrorCode is "RequestThrottled" or "ThrottlingException" or "Throttling" or "KMS.ThrottlingException",
        _ => true,
    };
}
