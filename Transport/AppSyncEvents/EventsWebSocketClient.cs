using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>
/// AppSync Events WebSocket client (docs/aws-protocols.md §1.3): connects with the <c>aws-appsync-event-ws</c> and
/// <c>header-…</c> subprotocols, runs <c>connection_init</c>/<c>connection_ack</c>, watches keep-alives (any
/// inbound message resets the watchdog; when it fires the socket is closed and replaced), subscribes,
/// unsubscribes and publishes with their replies, and on any loss reconnects with jittered exponential
/// backoff and subscribes every active subscription again. Events published while disconnected are lost:
/// watch <see cref="EventsConnectionEventKind.Reconnected"/> to re-fetch state.
/// </summary>
public sealed class EventsWebSocketClient : IEventsPublisher, IEventsFrameSink, IAsyncDisposable
{
    private readonly EventsWebSocketOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, EventsSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly List<Channel<EventsConnectionEvent>> _watchers = [];
    private readonly CancellationTokenSource _lifetime = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private EventsWebSocketSession? _session;
    private TaskCompletionSource<EventsWebSocketSession> _sessionReady = NewSessionSource();
    private Task? _supervisor;
    private long _generation;
    private EventsConnectionState _state = EventsConnectionState.NotConnected;
    private bool _disposed;

    public EventsWebSocketClient(EventsWebSocketOptions options, ILogger<EventsWebSocketClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.HttpEndpoint);
        ArgumentNullException.ThrowIfNull(options.Authorization);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Raised on every connection change (on the thread that observed it; keep handlers short).</summary>
    public event Action<EventsConnectionEvent>? ConnectionChanged;

    public EventsConnectionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>The keep-alive timeout in force on the current connection (from <c>connection_ack</c>).</summary>
    public TimeSpan? KeepAliveTimeout => _session?.KeepAliveTimeout;

    /// <summary>Connection changes from now on, until the client closes or <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<EventsConnectionEvent> WatchConnectionAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<EventsConnectionEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            if (_state == EventsConnectionState.Closed)
            {
                yield break;
            }

            _watchers.Add(channel);
        }

        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <summary>
    /// Opens the connection and waits for <c>connection_ack</c>. The first connect is not retried: a failure
    /// (bad credentials, unreachable host) throws here. Later losses are repaired in the background.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_supervisor is not null)
            {
                return;
            }

            SetState(EventsConnectionState.Connecting);
            EventsWebSocketSession session;
            try
            {
                session = await EventsWebSocketSession.OpenAsync(_options, this, Interlocked.Increment(ref _generation), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                SetState(EventsConnectionState.NotConnected);
                throw;
            }

            lock (_gate)
            {
                InstallSession(session);
            }

            Raise(new EventsConnectionEvent(EventsConnectionEventKind.Connected, EventsConnectionState.Connected));
            _supervisor = Task.Run(() => SuperviseAsync(session), CancellationToken.None);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>
    /// Subscribes to <paramref name="channel"/> (exact, or ending in <c>/*</c> for everything below) and waits
    /// for <c>subscribe_success</c>. Throws the <c>subscribe_error</c> as an <see cref="AppSyncEventsException"/>.
    /// </summary>
    /// <param name="authorization">Authorization for this subscription; null uses the client's.</param>
    public async Task<EventsSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken, EventsAuthorization? authorization = null)
    {
        EventsChannelRules.ValidateSubscribe(channel);
        await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        var subscription = new EventsSubscription(this, Guid.NewGuid().ToString("N"), channel, authorization);
        EventsWebSocketSession? session;
        lock (_gate)
        {
            // Registered and read under one lock with InstallSession: either the reconnect's re-subscribe sees this
            // subscription, or this call sees the new session (the generation check prevents a double subscribe).
            _subscriptions.Add(subscription.Id, subscription);
            session = _session;
        }

        if (session is not null && session.IsOpen)
        {
            _ = SubscribeOnSessionAsync(session, subscription, cancellationToken);
        }

        try
        {
            // Completed by this session's reply, or by the re-subscribe after a reconnect if the socket dropped meanwhile.
            await subscription.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch (OperationCanceledException)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Publishes up to 5 events over the WebSocket and waits for <c>publish_success</c> (per-event failures in the result).</summary>
    public async Task<EventsPublishResult> PublishAsync(string channel, IReadOnlyList<string> events, CancellationToken cancellationToken)
    {
        EventsChannelRules.ValidatePublish(channel, events);
        var session = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        var auth = await _options.Authorization
            .GetWebSocketAuthAsync(_options.HttpEndpoint, EventsSigningBody.Publish(channel, events), _options.TimeProvider.GetUtcNow(), cancellationToken)
            .ConfigureAwait(false);
        var id = Guid.NewGuid().ToString("N");
        var reply = await session.RequestAsync(id, w =>
        {
            w.WriteString(EventsWireNames.Fields.Type, EventsWireNames.MessageTypes.Publish);
            w.WriteString(EventsWireNames.Fields.Id, id);
            w.WriteString(EventsWireNames.Fields.Channel, channel);
            w.WriteStartArray(EventsWireNames.Fields.Events);
            foreach (var e in events)
            {
                w.WriteStringValue(e);
            }

            w.WriteEndArray();
            w.WritePropertyName(EventsWireNames.Fields.Authorization);
            EventsWebSocketSession.WriteAuthObject(w, auth);
        }, cancellationToken).ConfigureAwait(false);

        try
        {
            return EventsPublishResult.Parse(reply, events.Count);
        }
        catch (JsonException ex)
        {
            throw EventsErrors.Protocol($"publish_success for '{id}' is malformed: {ex.Message}");
        }
    }

    internal async Task UnsubscribeAsync(EventsSubscription subscription, CancellationToken cancellationToken)
    {
        bool removed;
        lock (_gate)
        {
            removed = _subscriptions.Remove(subscription.Id);
        }

        if (!removed)
        {
            subscription.Complete(null);
            return;
        }

        var session = _session;
        try
        {
            if (session is not null && session.IsOpen && subscription.Generation == session.Generation)
            {
                await session.RequestAsync(subscription.Id, w =>
                {
                    w.WriteString(EventsWireNames.Fields.Type, EventsWireNames.MessageTypes.Unsubscribe);
                    w.WriteString(EventsWireNames.Fields.Id, subscription.Id);
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (AppSyncEventsException ex) when (ex.ErrorSource is EventsErrorSource.Transport or EventsErrorSource.Closed)
        {
            // The socket is gone, and with it the server-side subscription.
        }
        finally
        {
            subscription.Complete(null);
        }
    }

    /// <summary>Unsubscribes nothing on the server: closes the socket politely and ends every subscription stream.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _lifetime.Cancel();
        var session = _session;
        if (session is not null)
        {
            await session.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (_supervisor is not null)
        {
            await _supervisor.ConfigureAwait(false);
        }

        if (session is not null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        EventsSubscription[] subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions.Values];
            _subscriptions.Clear();
        }

        foreach (var subscription in subscriptions)
        {
            subscription.Complete(null);
        }

        _sessionReady.TrySetException(EventsErrors.Closed("The client is closed."));
        SetState(EventsConnectionState.Closed);
        Raise(new EventsConnectionEvent(EventsConnectionEventKind.Closed, EventsConnectionState.Closed));
        CompleteWatchers();
        _lifetime.Dispose();
        _connectLock.Dispose();
    }

    void IEventsFrameSink.OnData(string subscriptionId, string eventJson)
    {
        EventsSubscription? subscription;
        lock (_gate)
        {
            _subscriptions.TryGetValue(subscriptionId, out subscription);
        }

        if (subscription is null || !subscription.Deliver(eventJson))
        {
            _logger.LogDebug("Dropped a data frame for unknown subscription {SubscriptionId}", subscriptionId);
        }
    }

    void IEventsFrameSink.OnBroadcastError(AppSyncEventsException error)
    {
        _logger.LogWarning("broadcast_error for subscription {SubscriptionId}: {ErrorType}", error.OperationId, error.ErrorCode);
        Raise(new EventsConnectionEvent(EventsConnectionEventKind.BroadcastError, State, error, error.OperationId));
    }

    void IEventsFrameSink.OnError(AppSyncEventsException error)
    {
        _logger.LogWarning("AppSync Events error frame: {ErrorType}: {Message}", error.ErrorCode, error.Message);
        Raise(new EventsConnectionEvent(EventsConnectionEventKind.Error, State, error, error.OperationId));
    }

    void IEventsFrameSink.OnUnparsableFrame(string text) =>
        _logger.LogWarning("Ignored an inbound frame that is not JSON ({Length} characters)", text.Length);

    private async Task<EventsWebSocketSession> EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_supervisor is null)
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }

        Task<EventsWebSocketSession> ready;
        lock (_gate)
        {
            ready = _sessionReady.Task;
        }

        return await ready.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes <paramref name="session"/> current; the caller holds <see cref="_gate"/>.</summary>
    private void InstallSession(EventsWebSocketSession session)
    {
        _session = session;
        _state = EventsConnectionState.Connected;
        _sessionReady.TrySetResult(session);
    }

    private async Task SubscribeOnSessionAsync(EventsWebSocketSession session, EventsSubscription subscription, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (subscription.Generation == session.Generation || !_subscriptions.ContainsKey(subscription.Id))
            {
                return;
            }

            subscription.Generation = session.Generation;
        }

        try
        {
            var auth = await (subscription.Authorization ?? _options.Authorization)
                .GetWebSocketAuthAsync(_options.HttpEndpoint, EventsSigningBody.Subscribe(subscription.Channel), _options.TimeProvider.GetUtcNow(), cancellationToken)
                .ConfigureAwait(false);
            await session.RequestAsync(subscription.Id, w =>
            {
                w.WriteString(EventsWireNames.Fields.Type, EventsWireNames.MessageTypes.Subscribe);
                w.WriteString(EventsWireNames.Fields.Id, subscription.Id);
                w.WriteString(EventsWireNames.Fields.Channel, subscription.Channel);
                w.WritePropertyName(EventsWireNames.Fields.Authorization);
                EventsWebSocketSession.WriteAuthObject(w, auth);
            }, cancellationToken).ConfigureAwait(false);
            subscription.MarkReady();
        }
        catch (AppSyncEventsException ex) when (ex.ErrorSource is EventsErrorSource.Transport or EventsErrorSource.Closed || !session.IsOpen)
        {
            // The socket died: the next session subscribes again.
        }
        catch (AppSyncEventsException ex)
        {
            lock (_gate)
            {
                _subscriptions.Remove(subscription.Id);
            }

            subscription.Complete(ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller gave up; SubscribeAsync disposes the subscription.
        }
    }

    private async Task SuperviseAsync(EventsWebSocketSession session)
    {
        var lifetime = _lifetime.Token;
        while (true)
        {
            var reason = await session.Closed.ConfigureAwait(false);
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _sessionReady = NewSessionSource();
                _state = EventsConnectionState.Reconnecting;
            }

            _logger.LogWarning("AppSync Events connection lost ({ErrorType}: {Message}); reconnecting", reason.ErrorCode, reason.Message);
            Raise(new EventsConnectionEvent(EventsConnectionEventKind.Disconnected, EventsConnectionState.Reconnecting, reason));
            await session.DisposeAsync().ConfigureAwait(false);

            EventsWebSocketSession? next = null;
            AppSyncEventsException? last = reason;
            for (var attempt = 1; next is null; attempt++)
            {
                if (attempt > _options.MaxReconnectAttempts)
                {
                    GiveUp(last);
                    return;
                }

                var delay = BackoffDelay(attempt);
                Raise(new EventsConnectionEvent(EventsConnectionEventKind.Reconnecting, EventsConnectionState.Reconnecting, last, Attempt: attempt, Delay: delay));
                try
                {
                    if (delay > TimeSpan.Zero)
                    {
                        await Task.Delay(delay, _options.TimeProvider, lifetime).ConfigureAwait(false);
                    }

                    next = await EventsWebSocketSession.OpenAsync(_options, this, Interlocked.Increment(ref _generation), lifetime).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
                {
                    return;
                }
                catch (AppSyncEventsException ex)
                {
                    last = ex;
                    _logger.LogWarning("Reconnect attempt {Attempt} failed: {ErrorType}", attempt, ex.ErrorCode);
                }
            }

            EventsSubscription[] active;
            lock (_gate)
            {
                if (_disposed)
                {
                    _ = next.DisposeAsync().AsTask();
                    return;
                }

                InstallSession(next);
                active = [.. _subscriptions.Values];
            }

            session = next;
            await Task.WhenAll(active.Select(s => SubscribeOnSessionAsync(next, s, lifetime))).ConfigureAwait(false);
            Raise(new EventsConnectionEvent(EventsConnectionEventKind.Reconnected, EventsConnectionState.Connected));
        }
    }

    private void GiveUp(AppSyncEventsException? last)
    {
        var error = EventsErrors.Closed($"Gave up reconnecting after {_options.MaxReconnectAttempts} attempts: {last?.Message}", last);
        EventsSubscription[] subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions.Values];
            _subscriptions.Clear();
            _state = EventsConnectionState.Closed;
            _sessionReady.TrySetException(error);
        }

        foreach (var subscription in subscriptions)
        {
            subscription.Complete(error);
        }

        Raise(new EventsConnectionEvent(EventsConnectionEventKind.Closed, EventsConnectionState.Closed, error));
        CompleteWatchers();
    }

    /// <summary>Exponential from <see cref="EventsWebSocketOptions.ReconnectBaseDelay"/>, capped, with "equal jitter" (half fixed, half random).</summary>
    internal TimeSpan BackoffDelay(int attempt)
    {
        var baseMs = _options.ReconnectBaseDelay.TotalMilliseconds;
        if (baseMs <= 0)
        {
            return TimeSpan.Zero;
        }

        var capped = Math.Min(_options.ReconnectMaxDelay.TotalMilliseconds, baseMs * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
    }

    private void SetState(EventsConnectionState state)
    {
        lock (_gate)
        {
            _state = state;
        }
    }

    private void Raise(EventsConnectionEvent change)
    {
        Channel<EventsConnectionEvent>[] watchers;
        lock (_gate)
        {
            watchers = [.. _watchers];
        }

        foreach (var watcher in watchers)
        {
            watcher.Writer.TryWrite(change);
        }

        try
        {
            ConnectionChanged?.Invoke(change);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "A ConnectionChanged handler threw");
        }
    }

    private void CompleteWatchers()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
        }
    }

    private static TaskCompletionSource<EventsWebSocketSession> NewSessionSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
