using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using AppSyncChat.Aws.AppSyncEvents;

namespace AppSyncChat.Local.AppSyncEvents;

/// <summary>
/// One WebSocket on <c>/event/realtime</c>: the receive loop handles the catalogue; every outbound frame goes
/// through a bounded queue drained by one send loop, so fan-out never waits on this socket. When the queue is
/// full the connection is closed (a viewer that cannot keep up must reconnect and catch up).
/// </summary>
internal sealed class EmulatorConnection
{
    private readonly WebSocket _socket;
    private readonly EmulatorCore _core;
    private readonly IReadOnlyDictionary<string, string>? _connectHeaders;
    private readonly Channel<byte[]> _queue;
    private readonly CancellationTokenSource _abort = new();
    private readonly Dictionary<string, EmulatorSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private AuthResult _connectAuth;
    private bool _initialized;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeDescription = string.Empty;

    public EmulatorConnection(WebSocket socket, EmulatorCore core, IReadOnlyDictionary<string, string>? connectHeaders)
    {
        _socket = socket;
        _core = core;
        _connectHeaders = connectHeaders;
        _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(core.Options.SendQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full; nothing waits
        });
    }

    public async Task RunAsync(CancellationToken requestAborted)
    {
        _core.Stats.ConnectionOpened();
        _connectAuth = _connectHeaders is null
            ? AuthResult.Deny("Missing authorization: send it in the header- subprotocol or as upgrade headers.")
            : _core.Authorizer.Authorize(_connectHeaders, _core.Options.ConnectionAuthModes, () => EmulatorAuthorizer.WebSocketRecipe(_connectHeaders, "{}"));
        if (!_connectAuth.Allowed)
        {
            _core.Stats.AuthFailed();
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _abort.Token);
        var time = _core.Options.TimeProvider;
        using var lifetime = time.CreateTimer(
            static state => ((EmulatorConnection)state!).CloseAfterDrain(WebSocketCloseStatus.NormalClosure, "Connection duration limit reached"),
            this, _core.Options.MaxConnectionDuration, Timeout.InfiniteTimeSpan);
        var sender = SendLoopAsync(linked.Token);
        Task? keepAlive = null;
        try
        {
            await ReceiveLoopAsync(linked.Token, () => keepAlive ??= KeepAliveLoopAsync(linked.Token)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away or the connection was closed as too slow.
        }
        finally
        {
            // Let queued frames (e.g. a connection_error) drain, but never wait long on a client that stopped reading.
            _queue.Writer.TryComplete();
            if (await Task.WhenAny(sender, Task.Delay(TimeSpan.FromSeconds(5), time, CancellationToken.None)).ConfigureAwait(false) != sender)
            {
                Abort();
            }

            await sender.ConfigureAwait(false);
            _abort.Cancel();
            if (keepAlive is not null)
            {
                await keepAlive.ConfigureAwait(false);
            }

            EmulatorSubscription[] subscriptions;
            lock (_gate)
            {
                subscriptions = [.. _subscriptions.Values];
                _subscriptions.Clear();
            }

            foreach (var subscription in subscriptions)
            {
                _core.Broker.Remove(subscription);
            }

            _core.Stats.ConnectionClosed();
            _abort.Dispose();
        }
    }

    /// <summary>Queues a frame without waiting. A full queue closes the connection (returns false).</summary>
    public bool Enqueue(byte[] frame)
    {
        if (_queue.Writer.TryWrite(frame))
        {
            return true;
        }

        if (!_abort.IsCancellationRequested && _queue.Reader.Count >= _core.Options.SendQueueCapacity)
        {
            _core.Stats.SlowConnectionClosed();
            _core.Logger.LogWarning("Closing a WebSocket whose send queue is full ({Capacity} frames): the client does not keep up", _core.Options.SendQueueCapacity);
            Abort();
        }

        return false;
    }

    private void Control(byte[] frame)
    {
        if (Enqueue(frame))
        {
            _core.Stats.Control();
        }
    }

    private void Abort()
    {
        try
        {
            _abort.Cancel();
            _socket.Abort();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void CloseAfterDrain(WebSocketCloseStatus status, string description)
    {
        _closeStatus = status;
        _closeDescription = description;
        _queue.Writer.TryComplete();
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var frame in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }

            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeDescription, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            Abort();
        }
    }

    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(_core.Options.KeepAliveInterval, _core.Options.TimeProvider);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Control(EmulatorWire.KeepAliveFrame);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken, Func<Task> startKeepAlive)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                message.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(chunk.AsMemory(), cancellationToken).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    if (message.WrittenCount + result.Count > _core.Options.MaxRequestBytes)
                    {
                        Control(EmulatorWire.ErrorFrame(EventsWireNames.MessageTypes.Error, null, EventsWireNames.ErrorTypes.LimitExceeded,
                            $"Message exceeds {_core.Options.MaxRequestBytes} bytes."));
                        CloseAfterDrain(WebSocketCloseStatus.MessageTooBig, "Message too big");
                        return;
                    }

                    message.Write(chunk.AsSpan(0, result.Count));
                }
                while (!result.EndOfMessage);

                if (!await HandleAsync(message.WrittenMemory, startKeepAlive, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Handles one inbound frame; false ends the connection.</summary>
    private async ValueTask<bool> HandleAsync(ReadOnlyMemory<byte> utf8, Func<Task> startKeepAlive, CancellationToken cancellationToken)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8);
        }
        catch (JsonException)
        {
            Control(EmulatorWire.ErrorFrame(EventsWireNames.MessageTypes.Error, null, EventsWireNames.ErrorTypes.InvalidInput, "The message is not valid JSON."));
            return true;
        }

        using (doc)
        {
            var frame = doc.RootElement;
            var type = frame.ValueKind == JsonValueKind.Object && frame.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var id = frame.ValueKind == JsonValueKind.Object && frame.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;

            if (!_connectAuth.Allowed)
            {
                // The handshake's auth failed: answer the first frame with connection_error and close.
                Control(EmulatorWire.ErrorFrame(EventsWireNames.MessageTypes.ConnectionError, null, _connectAuth.ErrorType!, _connectAuth.Message!));
                CloseAfterDrain(WebSocketCloseStatus.NormalClosure, "Unauthorized");
                return false;
            }

            switch (type)
            {
                case EventsWireNames.MessageTypes.ConnectionInit:
                    if (!_initialized)
                    {
                        _initialized = true;
                        Control(EmulatorWire.Frame(w =>
                        {
                            w.WriteString("type", EventsWireNames.MessageTypes.ConnectionAck);
                            w.WriteNumber("connectionTimeoutMs", _core.Options.ConnectionTimeoutMs);
                        }));
                        _ = startKeepAlive();
                    }

                    return true;
                case EventsWireNames.MessageTypes.Subscribe:
                    _ = startKeepAlive();
                    await SubscribeAsync(frame, id, cancellationToken).ConfigureAwait(false);
                    return true;
                case EventsWireNames.MessageTypes.Unsubscribe:
                    Unsubscribe(id);
                    return true;
                case EventsWireNames.MessageTypes.Publish:
                    _ = startKeepAlive();
                    Publish(frame, id);
                    return true;
                default:
                    Control(EmulatorWire.ErrorFrame(EventsWireNames.MessageTypes.Error, id, EventsWireNames.ErrorTypes.UnsupportedOperation,
                        type is null ? "The message has no 'type'." : $"Unsupported message type '{type}'."));
                    return true;
            }
        }
    }

    private async ValueTask SubscribeAsync(JsonElement frame, string? id, CancellationToken cancellationToken)
    {
        const string errorType = EventsWireNames.MessageTypes.SubscribeError;
        if (!EmulatorChannels.IsOperationId(id))
        {
            Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.BadRequest, "'id' must match ^[a-zA-Z0-9-_+]{1,128}$."));
            return;
        }

        var channel = frame.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (!EmulatorChannels.TryParseSubscribe(channel, out var normalized, out var wildcardPrefix))
        {
            Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.BadRequest,
                $"Invalid channel '{channel}': 1–5 segments of 1–50 [A-Za-z0-9-] (no leading or trailing '-'), optionally ending in '/*'."));
            return;
        }

        var ns = _core.FindNamespace(normalized);
        if (ns is null)
        {
            Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.ResourceNotFound, $"Channel namespace '{EmulatorChannels.NamespaceOf(normalized)}' does not exist."));
            return;
        }

        var headers = frame.TryGetProperty("authorization", out var a) ? EmulatorCore.ReadHeaderObject(a) : null;
        var auth = headers is null
            ? AuthResult.Deny("The subscribe message has no 'authorization' object.")
            : _core.Authorizer.Authorize(headers, ns.SubscribeAuthModes, () => EmulatorAuthorizer.WebSocketRecipe(headers, EmulatorWire.SignedBody(channel!, null)));
        if (!auth.Allowed)
        {
            _core.Stats.AuthFailed();
            Control(EmulatorWire.ErrorFrame(errorType, id, auth.ErrorType!, auth.Message!));
            return;
        }

        if (_core.Options.SubscribeRule is { } rule)
        {
            bool allowed;
            try
            {
                allowed = await rule(SubscribeRequest(normalized, auth, headers!), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // As a handler whose data source failed (util.error): refused, the connection stays.
                _core.Logger.LogWarning(ex, "The subscribe rule failed for {Channel}", normalized);
                Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.Unauthorized, $"The subscribe handler failed: {ex.Message}"));
                return;
            }

            if (!allowed)
            {
                // As a namespace handler's util.unauthorized(): the subscription is refused, the connection stays.
                _core.Stats.AuthFailed();
                Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.Unauthorized, $"Not authorized to subscribe to '{normalized}'."));
                return;
            }
        }

        EmulatorSubscription subscription;
        lock (_gate)
        {
            if (_subscriptions.ContainsKey(id!))
            {
                Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.BadRequest, $"A subscription with id '{id}' already exists on this connection."));
                return;
            }

            if (_subscriptions.Count >= _core.Options.MaxSubscriptionsPerConnection)
            {
                Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.MaxSubscriptionsReached,
                    $"A connection may hold at most {_core.Options.MaxSubscriptionsPerConnection} subscriptions."));
                return;
            }

            subscription = new EmulatorSubscription(id!, normalized, wildcardPrefix, this);
            _subscriptions.Add(id!, subscription);
        }

        // Acknowledge before the subscription can receive data, so subscribe_success precedes its first data frame.
        Control(EmulatorWire.Frame(w =>
        {
            w.WriteString("type", EventsWireNames.MessageTypes.SubscribeSuccess);
            w.WriteString("id", id);
        }));
        _core.Broker.Add(subscription);
    }

    private static EventsSubscribeRequest SubscribeRequest(string normalized, AuthResult auth, IReadOnlyDictionary<string, string> headers)
    {
        string? Header(string name) => headers.TryGetValue(name, out var value) ? value.Trim() : null;
        var token = Header("authorization");
        if (token is not null && token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = token[7..].Trim();
        }

        var mode = auth.Mode ?? EventsAuthMode.ApiKey;
        return new EventsSubscribeRequest(
            normalized,
            normalized.Split('/', StringSplitOptions.RemoveEmptyEntries),
            mode,
            mode == EventsAuthMode.ApiKey ? Header("x-api-key") : null,
            mode == EventsAuthMode.BearerToken ? token : null);
    }

    private void Unsubscribe(string? id)
    {
        EmulatorSubscription? subscription = null;
        lock (_gate)
        {
            if (id is not null && _subscriptions.Remove(id, out var found))
            {
                subscription = found;
            }
        }

        if (subscription is null)
        {
            Control(EmulatorWire.ErrorFrame(EventsWireNames.MessageTypes.UnsubscribeError, id, EventsWireNames.ErrorTypes.UnknownOperation, $"Unknown operation id {id}"));
            return;
        }

        _core.Broker.Remove(subscription);
        Control(EmulatorWire.Frame(w =>
        {
            w.WriteString("type", EventsWireNames.MessageTypes.UnsubscribeSuccess);
            w.WriteString("id", id);
        }));
    }

    private void Publish(JsonElement frame, string? id)
    {
        const string errorType = EventsWireNames.MessageTypes.PublishError;
        if (!EmulatorChannels.IsOperationId(id))
        {
            Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.BadRequest, "'id' must match ^[a-zA-Z0-9-_+]{1,128}$."));
            return;
        }

        var channel = frame.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var normalized = EmulatorChannels.NormalizePublish(channel);
        if (normalized is null)
        {
            Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.BadRequest,
                $"Invalid channel '{channel}': publish needs a concrete channel of 1–5 segments (no wildcard)."));
            return;
        }

        var ns = _core.FindNamespace(normalized);
        if (ns is null)
        {
            Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.ResourceNotFound, $"Channel namespace '{EmulatorChannels.NamespaceOf(normalized)}' does not exist."));
            return;
        }

        if (!EmulatorCore.TryReadEvents(frame, out var events, out var eventsError))
        {
            Control(EmulatorWire.ErrorFrame(errorType, id, EventsWireNames.ErrorTypes.BadRequest, eventsError));
            return;
        }

        var headers = frame.TryGetProperty("authorization", out var a) ? EmulatorCore.ReadHeaderObject(a) : null;
        var auth = headers is null
            ? AuthResult.Deny("The publish message has no 'authorization' object.")
            : _core.Authorizer.Authorize(headers, ns.PublishAuthModes, () => EmulatorAuthorizer.WebSocketRecipe(headers, EmulatorWire.SignedBody(channel!, events)));
        if (!auth.Allowed)
        {
            _core.Stats.AuthFailed();
            Control(EmulatorWire.ErrorFrame(errorType, id, auth.ErrorType!, auth.Message!));
            return;
        }

        _core.Stats.WebSocketPublish(events.Count);
        var results = _core.Broker.Publish(normalized, events);
        Control(EmulatorWire.Frame(w =>
        {
            w.WriteString("type", EventsWireNames.MessageTypes.PublishSuccess);
            w.WriteString("id", id);
            EmulatorCore.WritePublishResult(w, results);
        }));
    }
}
