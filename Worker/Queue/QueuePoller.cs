using Amazon.SQS;
using Amazon.SQS.Model;
using AppSyncChat.Aws.Lambda;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Queue;

/// <summary>Settings of <see cref="QueuePoller"/>.</summary>
public sealed record QueuePollerOptions
{
    public required string QueueUrl { get; init; }

    /// <summary>Messages per receive (1–10), processed concurrently as one batch.</summary>
    public int BatchSize { get; init; } = 10;

    /// <summary>Receive loops running side by side.</summary>
    public int Pollers { get; init; } = 1;

    /// <summary>How long one batch may run: its deadline, as Lambda's function timeout would be.</summary>
    public TimeSpan BatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Visibility timeout asked for on receive; must outlast <see cref="BatchTimeout"/> (the lease ends before it).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(6);

    public int WaitTimeSeconds { get; init; } = 20;
}

/// <summary>
/// The long-running host around the same core as the Lambda handler (containers, a VM, a developer
/// machine): long-polls the queue, hands each receive to <see cref="SqsBatchHandler"/> exactly as the
/// Lambda event source would (same record shape, a deadline of <see cref="QueuePollerOptions.BatchTimeout"/>),
/// deletes the records that succeeded and leaves the failed ones to reappear after the visibility timeout
/// (and reach the DLQ through the queue's redrive policy).
/// </summary>
public sealed partial class QueuePoller(IAmazonSQS sqs, SqsBatchHandler handler, QueuePollerOptions options, TimeProvider time, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (options.VisibilityTimeout <= options.BatchTimeout)
        {
            throw new ArgumentException("The visibility timeout must outlast the batch timeout.", nameof(options));
        }

        var loops = Enumerable.Range(0, Math.Max(1, options.Pollers)).Select(i => Task.Run(() => PollAsync(i, cancellationToken), CancellationToken.None));
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private async Task PollAsync(int poller, CancellationToken cancellationToken)
    {
        var failures = 0;
        var batch = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
#pragma warning disable CS0618 // AttributeNames is deprecated, but local-aws-sqs reads only it (not MessageSystemAttributeNames).
                var request = new ReceiveMessageRequest
                {
                    QueueUrl = options.QueueUrl,
                    MaxNumberOfMessages = Math.Clamp(options.BatchSize, 1, 10),
                    WaitTimeSeconds = options.WaitTimeSeconds,
                    VisibilityTimeout = (int)Math.Ceiling(options.VisibilityTimeout.TotalSeconds),
                    MessageSystemAttributeNames = ["All"],
                    AttributeNames = ["All"],
                    MessageAttributeNames = ["All"],
                };
#pragma warning restore CS0618
                var received = await sqs.ReceiveMessageAsync(request, cancellationToken).ConfigureAwait(false);
                var messages = received.Messages ?? []; // AWSSDK 4: an empty receive leaves the list null
                failures = 0;
                if (messages.Count > 0)
                {
                    await HandleBatchAsync($"poll-{poller}-{++batch}", messages, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                LogPollFailed(logger, ex, failures);
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures, 8))));
                try
                {
                    await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One receive as one "invocation": run, then delete the records that need no retry.</summary>
    internal async Task HandleBatchAsync(string batchId, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.BatchTimeout;
        using var timeout = new CancellationTokenSource(options.BatchTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var sqsEvent = new SqsEvent([.. messages.Select(ToRecord)]);
        var response = await handler.HandleAsync(sqsEvent, deadline, batchId, linked.Token).ConfigureAwait(false);
        var retry = response.BatchItemFailures.Select(f => f.ItemIdentifier).ToHashSet(StringComparer.Ordinal);
        var done = messages.Where(m => !retry.Contains(m.MessageId)).ToList();
        foreach (var chunk in done.Chunk(10))
        {
            var result = await sqs.DeleteMessageBatchAsync(
                new DeleteMessageBatchRequest
                {
                    QueueUrl = options.QueueUrl,
                    Entries = [.. chunk.Select(m => new DeleteMessageBatchRequestEntry { Id = m.MessageId, ReceiptHandle = m.ReceiptHandle })],
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var error in result.Failed ?? [])
            {
                LogDeleteFailed(logger, error.Id, error.Code);
            }
        }
    }

    private static SqsEventRecord ToRecord(Message message) => new()
    {
        MessageId = message.MessageId,
        ReceiptHandle = message.ReceiptHandle,
        Body = message.Body,
        Md5OfBody = message.MD5OfBody,
        Md5OfMessageAttributes = message.MD5OfMessageAttributes,
        Attributes = message.Attributes ?? [],
        MessageAttributes = (message.MessageAttributes ?? []).ToDictionary(
            a => a.Key,
            a => new SqsEventMessageAttribute
            {
                DataType = a.Value.DataType,
                StringValue = a.Value.StringValue,
                BinaryValue = a.Value.BinaryValue is null ? null : Convert.ToBase64String(a.Value.BinaryValue.ToArray()),
            }),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from the queue failed ({Failures} in a row); backing off")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting record {MessageId} failed ({Code}); it will be delivered again and found final")]
    private static partial void LogDeleteFailed(ILogger logger, string messageId, string code);
}
