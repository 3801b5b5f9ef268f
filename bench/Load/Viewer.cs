using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Contracts.Channels;

namespace AppSyncChat.Bench.Load;

/// <summary>One event as a viewer received it: the host's wall clock at receipt, and the JSON as published.</summary>
public readonly record struct ReceivedEvent(DateTimeOffset At, string Json);

/// <summary>
/// A simulated viewer: its own AppSync Events WebSocket (our <see cref="EventsWebSocketClient"/>), one
/// subscription to the conversation's channel. It only stamps and stores what arrives (parsing happens after
/// the turn, so the load generator does as little as possible while the system is measured) and notices the
/// terminal event of the message it waits for.
/// </summary>
public sealed class Viewer : IAsyncDisposable
{
    private readonly EventsWebSocketClient _client;
    private readonly List<ReceivedEvent> _events = [];
    private readonly TaskCompletionSource _terminal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private EventsSubscription? _subscription;
    private Task? _pump;

    private Viewer(EventsWebSocketClient client) => _client = client;

    /// <summary>Completes when a <c>turn.completed</c>, <c>turn.failed</c> or <c>turn.cancelled</c> event arrived.</summary>
    public Task Terminal => _terminal.Task;

    public static async Task<Viewer> ConnectAsync(Uri httpEndpoint, Uri realtimeEndpoint, string apiKey, string conversationId, CancellationToken cancellationToken)
    {
        var client = new EventsWebSocketClient(new EventsWebSocketOptions
        {
            HttpEndpoint = httpEndpoint,
            RealtimeEndpoint = realtimeEndpoint,
            Authorization = EventsAuthorization.ApiKey(apiKey),
            MaxReconnectAttempts = 0,
        });
        var viewer = new Viewer(client);
        try
        {
            viewer._subscription = await client.SubscribeAsync(ChatChannels.ForConversation(conversationId), cancellationToken).ConfigureAwait(false);
            viewer._pump = viewer.PumpAsync(viewer._subscription, viewer._stop.Token);
            return viewer;
        }
        catch
        {
            await viewer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What arrived so far (a copy).</summary>
    public ReceivedEvent[] Events()
    {
        lock (_events)
        {
            return [.. _events];
        }
    }

    private async Task PumpAsync(EventsSubscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var json in subscription.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
            {
                var at = DateTimeOffset.UtcNow;
                lock (_events)
                {
                    _events.Add(new ReceivedEvent(at, json));
                }

                if (json.Contains("\"turn.completed\"", StringComparison.Ordinal)
                    || json.Contains("\"turn.cancelled\"", StringComparison.Ordinal)
                    || json.Contains("\"turn.failed\"", StringComparison.Ordinal))
                {
                    _terminal.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopped
        }
        catch (Exception ex)
        {
            _terminal.TrySetException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_pump is not null)
        {
            await _pump.ConfigureAwait(false);
        }

        if (_subscription is not null)
        {
            try
            {
                await _subscription.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AppSyncEventsException or IOException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
            {
                // the socket may already be closed
            }
        }

        await _client.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
