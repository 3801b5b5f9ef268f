using Amazon.SQS;
using AppSyncChat.Aws;
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
    /// Whether a caller may retry after <paramref name="exception"/>: anything but a permanent fault of the request
    /// itself (a missing queue, access denied, a bad attribute), classified by the one rule every AWS caller uses
    /// (throttling codes count as retryable although SQS reports them as sender faults); a transport failure is retryable.
    /// </summary>
    public static bool IsRetryable(Exception exception) => AwsErrors.Classify(exception) is not AwsErrorKind.Permanent;
}
