using System.Collections.Concurrent;
using AppSyncChat.Aws.Sqs;

namespace AppSyncChat.Api.Tests.Fixtures;

/// <summary>An <see cref="ISqsClient"/> test double that records every sent message and can be told to fail.</summary>
public sealed class RecordingSqsClient : ISqsClient
{
    private int _failuresLeft;
    private int _counter;

    public ConcurrentQueue<SqsSendRequest> Sent { get; } = new();

    /// <summary>The next <paramref name="count"/> sends throw, as an unreachable SQS endpoint would.</summary>
    public void FailNext(int count = 1) => Interlocked.Exchange(ref _failuresLeft, count);

    public Task<string> SendMessageAsync(SqsSendRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            throw new HttpRequestException("Connection refused (simulated SQS outage).");
        }

        Sent.Enqueue(request);
        return Task.FromResult($"msg-{Interlocked.Increment(ref _counter)}");
    }

    public Task<string> CreateQueueAsync(string queueName, IReadOnlyDictionary<string, string>? attributes, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<string> GetQueueUrlAsync(string queueName, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyDictionary<string, string>> GetQueueAttributesAsync(string queueUrl, IReadOnlyList<string> attributeNames, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<SqsMessage>> ReceiveMessagesAsync(SqsReceiveRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DeleteMessageAsync(string queueUrl, string receiptHandle, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<SqsBatchEntryError>> DeleteMessageBatchAsync(string queueUrl, IReadOnlyList<SqsDeleteEntry> entries, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task ChangeMessageVisibilityAsync(string queueUrl, string receiptHandle, int visibilityTimeoutSeconds, CancellationToken cancellationToken) => throw new NotSupportedException();
}
