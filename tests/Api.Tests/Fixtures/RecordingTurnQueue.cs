using System.Collections.Concurrent;
using Amazon.SQS.Model;
using AppSyncChat.Api.Turns;

namespace AppSyncChat.Api.Tests.Fixtures;

/// <summary>An <see cref="ITurnQueue"/> test double that records every SQS request sent and can be told to fail.</summary>
public sealed class RecordingTurnQueue : ITurnQueue
{
    private int _failuresLeft;
    private int _counter;

    public ConcurrentQueue<SendMessageRequest> Sent { get; } = new();

    /// <summary>The next <paramref name="count"/> sends throw, as an unreachable SQS endpoint would.</summary>
    public void FailNext(int count = 1) => Interlocked.Exchange(ref _failuresLeft, count);

    public Task<string> SendAsync(SendMessageRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            throw new HttpRequestException("Connection refused (simulated SQS outage).");
        }

        Sent.Enqueue(request);
        return Task.FromResult($"msg-{Interlocked.Increment(ref _counter)}");
    }
}
