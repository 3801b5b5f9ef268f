using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Client.CatchUp;

namespace AppSyncChat.Client.Events;

/// <summary>
/// The catch-up seam (<see cref="IChannelSubscriber"/>) over the AppSync Events WebSocket client
/// (<see cref="EventsWebSocketClient"/> in <c>Aws/AppSyncEvents</c>): event JSON texts from the subscription,
/// plus <see cref="ChannelReconnected"/> when the client re-established its socket (events published in
/// between are lost) and <see cref="ChannelEventsLost"/> on a <c>broadcast_error</c> for the subscription.
/// </summary>
public sealed class AppSyncEventsChannelSubscriber : IConnectableChannelSubscriber, IAsyncDisposable
{
    private readonly EventsWebSocketClient _client;
    private readonly bool _ownsClient;

    /// <param name="ownsClient">When true, disposing this subscriber disposes the client (closes the socket).</param>
    public AppSyncEventsChannelSubscriber(EventsWebSocketClient client, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _ownsClient = ownsClient;
    }

    /// <summary>A subscriber with its own WebSocket client (connected on the first subscribe).</summary>
    public static AppSyncEventsChannelSubscriber Create(EventsWebSocketOptions options) => new(new EventsWebSocketClient(options), ownsClient: true);

    public EventsWebSocketClient Client => _client;

    /// <summary>Opens the WebSocket and waits for <c>connection_ack</c> (a no-op when already connected).</summary>
    public Task ConnectAsync(CancellationToken cancellationToken) => _client.ConnectAsync(cancellationToken);

    public async Task<IChannelSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken)
    {
        // Listen for reconnects before subscribing, so none is missed between the two.
        var subscription = new Subscription(_client);
        try
        {
            await subscription.StartAsync(channel, cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsClient)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Subscription : IChannelSubscription
    {
        private readonly EventsWebSocketClient _client;
        private readonly Channel<ChannelMessage> _messages = Channel.CreateUnbounded<ChannelMessage>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _stop = new();
        private EventsSubscription? _subscription;
        private Task? _pump;

        public Subscription(EventsWebSocketClient client)
        {
            _client = client;
            _client.ConnectionChanged += OnConnectionChanged;
        }

        public async Task StartAsync(string channel, CancellationToken cancellationToken)
        {
            _subscription = await _client.SubscribeAsync(channel, cancellationToken).ConfigureAwait(false);
            _pump = PumpAsync(_subscription, _stop.Token);
        }

        public async IAsyncEnumerable<ChannelMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            while (await _messages.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_messages.Reader.TryRead(out var message))
                {
                    yield return message;
                }
            }
        }

        private void OnConnectionChanged(EventsConnectionEvent change)
        {
            switch (change.Kind)
            {
                case EventsConnectionEventKind.Reconnected:
                    _messages.Writer.TryWrite(new ChannelReconnected());
                    break;
                case EventsConnectionEventKind.BroadcastError when _subscription is { } s && (change.SubscriptionId is null || change.SubscriptionId == s.Id):
                    _messages.Writer.TryWrite(new ChannelEventsLost());
                    break;
            }
        }

        private async Task PumpAsync(EventsSubscription subscription, CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var json in subscription.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
                {
                    _messages.Writer.TryWrite(new ChannelEvent(json));
                }

                _messages.Writer.TryComplete();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _messages.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                _messages.Writer.TryComplete(ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _client.ConnectionChanged -= OnConnectionChanged;
            if (_subscription is not null)
            {
                await _subscription.DisposeAsync().ConfigureAwait(false);
            }

            await _stop.CancelAsync().ConfigureAwait(false);
            if (_pump is not null)
            {
                await _pump.ConfigureAwait(false);
            }

            _messages.Writer.TryComplete();
            _stop.Dispose();
        }
    }
}
