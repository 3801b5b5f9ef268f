using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>
/// One active subscription of an <see cref="EventsWebSocketClient"/>. Survives reconnects (the client
/// subscribes again on every new socket). Read the events with <see cref="ReadEventsAsync"/>; the stream ends
/// after <see cref="UnsubscribeAsync"/> or when the client closes, and throws when the subscription fails
/// (e.g. a <c>subscribe_error</c> after a reconnect, or the client gave up reconnecting).
/// </summary>
public sealed class EventsSubscription : IAsyncDisposable
{
    private readonly Channel<string> _events = System.Threading.Channels.Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly EventsWebSocketClient _client;

    internal EventsSubscription(EventsWebSocketClient client, string id, string channel, EventsAuthorization? authorization)
    {
        _client = client;
        Id = id;
        Channel = channel;
        Authorization = authorization;
    }

    /// <summary>The operation id used on the wire.</summary>
    public string Id { get; }

    /// <summary>The channel as subscribed (may end in <c>/*</c>).</summary>
    public string Channel { get; }

    internal EventsAuthorization? Authorization { get; }

    /// <summary>The session generation this subscription was last sent on (0: none yet).</summary>
    internal long Generation { get; set; }

    internal Task Ready => _ready.Task;

    /// <summary>Whether the subscription is still active (not unsubscribed, not failed).</summary>
    public bool IsActive => !_events.Reader.Completion.IsCompleted;

    /// <summary>Each event as its JSON text, in arrival order.</summary>
    public async IAsyncEnumerable<string> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _events.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_events.Reader.TryRead(out var item))
            {
                yield return item;
            }
        }
    }

    /// <summary>Sends <c>unsubscribe</c> and waits for <c>unsubscribe_success</c>; ends <see cref="ReadEventsAsync"/>.</summary>
    public Task UnsubscribeAsync(CancellationToken cancellationToken = default) => _client.UnsubscribeAsync(this, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (!IsActive)
        {
            return;
        }

        try
        {
            await UnsubscribeAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (AppSyncEventsException)
        {
            // Best effort: the subscription ends locally either way.
            Complete(null);
        }
    }

    internal void MarkReady() => _ready.TrySetResult();

    internal bool Deliver(string eventJson) => _events.Writer.TryWrite(eventJson);

    internal void Complete(AppSyncEventsException? error)
    {
        _events.Writer.TryComplete(error);
        if (error is null)
        {
            _ready.TrySetCanceled();
        }
        else
        {
            _ready.TrySetException(error);
        }
    }
}
