using System.Runtime.CompilerServices;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Events;

namespace AppSyncChat.Bench.Load;

/// <summary>One event as a viewer received it: the host's wall clock at receipt, and the JSON as published.</summary>
public readonly record struct ReceivedEvent(DateTimeOffset At, string Json);

/// <summary>
/// The AppSync Events subscriber a viewer's catch-up reads from, stamping every raw event as the follower reads
/// it (for per-answer event counts, sizes and arrival times). Parsing happens later, so recording costs little.
/// </summary>
public sealed class RecordingSubscriber(AppSyncEventsChannelSubscriber inner) : IConnectableChannelSubscriber, IAsyncDisposable
{
    private readonly List<ReceivedEvent> _events = [];

    /// <summary>What arrived on every channel subscribed through this subscriber so far (a copy).</summary>
    public ReceivedEvent[] Events()
    {
        lock (_events)
        {
            return [.. _events];
        }
    }

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public async Task<IChannelSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken) =>
        new Recording(await inner.SubscribeAsync(channel, cancellationToken).ConfigureAwait(false), this);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class Recording(IChannelSubscription subscription, RecordingSubscriber owner) : IChannelSubscription
    {
        public async IAsyncEnumerable<ChannelMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var message in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (message is ChannelEvent e)
                {
                    lock (owner._events)
                    {
                        owner._events.Add(new ReceivedEvent(DateTimeOffset.UtcNow, e.Json));
                    }
                }

                yield return message;
            }
        }

        public ValueTask DisposeAsync() => subscription.DisposeAsync();
    }
}
