using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>
/// One WebSocket of an <see cref="EventsWebSocketClient"/>: the handshake, the receive loop, the keep-alive
/// watchdog, serialized sends and replies matched to pending operations by id. A session never
/// reconnects; the client replaces a failed session with a new one.
/// </summary>
internal sealed class EventsWebSocketSession : IAsyncDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ClientWebSocket _socket;
    private readonly EventsWebSocketOptions _options;
    private readonly IEventsFrameSink _sink;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<AppSyncEventsException> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private ITimer? _watchdog;
    private TimeSpan _keepAliveTimeout;
    private Task? _receiveLoop;
    private AppSyncEventsException? _failure;

    private EventsWebSocketSession(ClientWebSocket socket, EventsWebSocketOptions options, IEventsFrameSink sink, long generation)
    {
        _socket = socket;
        _options = options;
        _sink = sink;
        Generation = generation;
    }

    /// <summary>Increases with each new session of a client; a subscription remembers the one it is live on.</summary>
    public long Generation { get; }

    /// <summary>Completes (never faults) with the reason when the session ends.</summary>
    public Task<AppSyncEventsException> Closed => _closed.Task;

    public bool IsOpen => !_closed.Task.IsCompleted;

    public TimeSpan KeepAliveTimeout => _keepAliveTimeout;

    /// <summary>Opens the socket, sends <c>connection_init</c> and waits for <c>connection_ack</c> (or throws the <c>connection_error</c>).</summary>
    public static async Task<EventsWebSocketSession> OpenAsync(EventsWebSocketOptions options, IEventsFrameSink sink, long generation, CancellationToken cancellationToken)
    {
        var time = options.TimeProvider;
        var realtime = options.RealtimeEndpoint ?? EventsEndpoints.RealtimeFromHttp(options.HttpEndpoint);
        var auth = await options.Authorization
            .GetWebSocketAuthAsync(options.HttpEndpoint, EventsSigningBody.Connect, time.GetUtcNow(), cancellationToken)
            .ConfigureAwait(false);

        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(EventsWireNames.Subprotocol);
        socket.Options.AddSubProtocol(EventsWireNames.HeaderSubprotocolPrefix + Base64Url.EncodeToString(WriteAuthObject(auth)));
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // the protocol has its own keep-alive (ka)
        options.ConfigureWebSocket?.Invoke(socket.Options);

        var session = new EventsWebSocketSession(socket, options, sink, generation);
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            try
            {
                await socket.ConnectAsync(realtime, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw EventsErrors.Timeout(EventsErrors.ClientCodes.Timeout, $"The WebSocket to {realtime} did not open within {options.ConnectTimeout.TotalMilliseconds:0} ms.");
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
            {
                throw EventsErrors.Transport($"Opening the WebSocket to {realtime} failed: {ex.Message}", ex);
            }

            var ack = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            session._pending[AckKey] = ack;
            session._receiveLoop = Task.Run(session.ReceiveLoopAsync, CancellationToken.None);
            await session.SendAsync(w => w.WriteString(EventsWireNames.Fields.Type, EventsWireNames.MessageTypes.ConnectionInit), linked.Token).ConfigureAwait(false);

            JsonElement frame;
            try
            {
                frame = await ack.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw EventsErrors.Timeout(EventsErrors.ClientCodes.Timeout, $"No connection_ack within {options.ConnectTimeout.TotalMilliseconds:0} ms.");
            }

            session.StartWatchdog(frame);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private const string AckKey = "\u0000ack";

    /// <summary>Sends an operation frame and waits for its reply (the success frame, or throws the error frame).</summary>
    public async Task<JsonElement> RequestAsync(string id, Action<Utf8JsonWriter> writeFields, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(id, reply))
        {
            throw EventsErrors.Validation(EventsWireNames.ErrorTypes.BadRequest, $"An operation with id '{id}' is already pending on this connection.");
        }

        try
        {
            if (_failure is { } failed)
            {
                throw failed;
            }

            await SendAsync(writeFields, cancellationToken).ConfigureAwait(false);
            try
            {
                return await reply.Task.WaitAsync(_options.OperationTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw EventsErrors.Timeout(EventsErrors.ClientCodes.Timeout, $"No reply to operation '{id}' within {_options.OperationTimeout.TotalMilliseconds:0} ms.", id);
            }
        }
        finally
        {
            _pending.TryRemove(new KeyValuePair<string, TaskCompletionSource<JsonElement>>(id, reply));
        }
    }

    /// <summary>Sends one frame: an object with the fields written by <paramref name="writeFields"/>.</summary>
    public async Task SendAsync(Action<Utf8JsonWriter> writeFields, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writeFields(writer);
            writer.WriteEndObject();
        }

        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_failure is { } failed)
            {
                throw failed;
            }

            await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            var failure = EventsErrors.Transport($"Sending on the WebSocket failed: {ex.Message}", ex);
            Fail(failure);
            throw failure;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Ends the session: aborts the socket, fails pending operations with <paramref name="reason"/>.</summary>
    public void Fail(AppSyncEventsException reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
        {
            return;
        }

        Volatile.Read(ref _watchdog)?.Dispose();
        _stop.Cancel();
        try
        {
            _socket.Abort();
        }
        catch (ObjectDisposedException)
        {
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(reason);
        }

        _closed.TrySetResult(reason);
    }

    /// <summary>Closes politely (close frame, bounded wait), then fails with a <see cref="EventsErrorSource.Closed"/> reason.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (_failure is null && _socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2), _options.TimeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closing", linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                // The socket is aborted below either way.
            }
        }

        Fail(EventsErrors.Closed("The client closed the connection."));
    }

    public async ValueTask DisposeAsync()
    {
        Fail(EventsErrors.Closed("The connection was disposed."));
        if (_receiveLoop is not null)
        {
            await _receiveLoop.ConfigureAwait(false);
        }

        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }

    internal static byte[] WriteAuthObject(IReadOnlyList<KeyValuePair<string, string>> auth)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteAuthObject(writer, auth);
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static void WriteAuthObject(Utf8JsonWriter writer, IReadOnlyList<KeyValuePair<string, string>> auth)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in auth)
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
    }

    private void StartWatchdog(JsonElement ack)
    {
        var timeoutMs = ReadTimeoutMs(ack);
        _keepAliveTimeout = _options.KeepAliveTimeout ?? TimeSpan.FromMilliseconds(timeoutMs);
        var watchdog = _options.TimeProvider.CreateTimer(
            static state => ((EventsWebSocketSession)state!).OnWatchdog(),
            this, _keepAliveTimeout, Timeout.InfiniteTimeSpan);

        // Fail() sets _failure, then disposes _watchdog. The exchange is a full fence, so of the two threads at
        // least one sees the other's write: a failure racing this start never leaves a live watchdog behind.
        Interlocked.Exchange(ref _watchdog, watchdog);
        if (Volatile.Read(ref _failure) is not null)
        {
            watchdog.Dispose();
        }
    }

    /// <summary><c>connectionTimeoutMs</c> at the top level (Events docs), else in <c>payload</c> (GraphQL convention), else the documented default.</summary>
    internal static long ReadTimeoutMs(JsonElement ack)
    {
        if (TryReadPositive(ack, out var top))
        {
            return top;
        }

        if (ack.TryGetProperty(EventsWireNames.Fields.Payload, out var payload) && payload.ValueKind == JsonValueKind.Object && TryReadPositive(payload, out var nested))
        {
            return nested;
        }

        return EventsWireNames.Limits.DefaultConnectionTimeoutMs;

        static bool TryReadPositive(JsonElement element, out long value)
        {
            value = 0;
            return element.TryGetProperty(EventsWireNames.Fields.ConnectionTimeoutMs, out var v)
                && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out value) && value > 0;
        }
    }

    private void OnWatchdog() =>
        Fail(EventsErrors.Timeout(EventsErrors.ClientCodes.KeepAliveTimeout,
            $"No message from the server for {_keepAliveTimeout.TotalMilliseconds:0} ms (keep-alive missed); closing the connection."));

    private async Task ReceiveLoopAsync()
    {
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                message.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(chunk.AsMemory(), _stop.Token).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        var status = _socket.CloseStatus;
                        Fail(EventsErrors.Transport($"The server closed the connection ({(int?)status} {_socket.CloseStatusDescription}).", null));
                        return;
                    }

                    if (message.WrittenCount + result.Count > _options.MaxInboundMessageBytes)
                    {
                        Fail(EventsErrors.Protocol($"An inbound message exceeds {_options.MaxInboundMessageBytes} bytes."));
                        return;
                    }

                    message.Write(chunk.AsSpan(0, result.Count));
                }
                while (!result.EndOfMessage);

                if (result.MessageType != WebSocketMessageType.Text)
                {
                    continue;
                }

                // Any inbound message proves the connection alive (as the official Android client does).
                _watchdog?.Change(_keepAliveTimeout, Timeout.InfiniteTimeSpan);
                HandleFrame(message.WrittenMemory);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            Fail(EventsErrors.Transport($"The WebSocket connection was lost: {ex.Message}", ex));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private void HandleFrame(ReadOnlyMemory<byte> utf8)
    {
        JsonElement frame;
        try
        {
            using var doc = JsonDocument.Parse(utf8);
            frame = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            _sink.OnUnparsableFrame(Encoding.UTF8.GetString(utf8.Span));
            return;
        }

        if (frame.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var type = frame.TryGetProperty(EventsWireNames.Fields.Type, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var id = frame.TryGetProperty(EventsWireNames.Fields.Id, out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
        switch (type)
        {
            case EventsWireNames.MessageTypes.KeepAlive:
                break;
            case EventsWireNames.MessageTypes.ConnectionAck:
                Complete(AckKey, frame);
                break;
            case EventsWireNames.MessageTypes.ConnectionError:
                var connectionError = EventsErrors.FromFrame(EventsErrorSource.ConnectionError, frame, null);
                if (!Fault(AckKey, connectionError))
                {
                    Fail(connectionError);
                }

                break;
            case EventsWireNames.MessageTypes.Data:
                if (id is not null && frame.TryGetProperty(EventsWireNames.Fields.Event, out var payload))
                {
                    DeliverData(id, payload);
                }

                break;
            case EventsWireNames.MessageTypes.SubscribeSuccess:
            case EventsWireNames.MessageTypes.UnsubscribeSuccess:
            case EventsWireNames.MessageTypes.PublishSuccess:
                if (id is not null)
                {
                    Complete(id, frame);
                }

                break;
            case EventsWireNames.MessageTypes.SubscribeError:
                FaultOperation(id, EventsErrors.FromFrame(EventsErrorSource.SubscribeError, frame, id));
                break;
            case EventsWireNames.MessageTypes.UnsubscribeError:
                FaultOperation(id, EventsErrors.FromFrame(EventsErrorSource.UnsubscribeError, frame, id));
                break;
            case EventsWireNames.MessageTypes.PublishError:
                FaultOperation(id, EventsErrors.FromFrame(EventsErrorSource.PublishError, frame, id));
                break;
            case EventsWireNames.MessageTypes.BroadcastError:
                _sink.OnBroadcastError(EventsErrors.FromFrame(EventsErrorSource.BroadcastError, frame, id));
                break;
            case EventsWireNames.MessageTypes.Error:
                var error = EventsErrors.FromFrame(EventsErrorSource.Error, frame, id);
                if (id is null || !Fault(id, error))
                {
                    // Before the ack, a generic error ends the handshake.
                    if (!Fault(AckKey, error))
                    {
                        _sink.OnError(error);
                    }
                }

                break;
            default:
                break; // Unknown frame types are ignored (forward compatibility).
        }
    }

    private void FaultOperation(string? id, AppSyncEventsException error)
    {
        if (id is null || !Fault(id, error))
        {
            _sink.OnError(error);
        }
    }

    private void DeliverData(string id, JsonElement payload)
    {
        switch (payload.ValueKind)
        {
            case JsonValueKind.String:
                _sink.OnData(id, payload.GetString()!);
                break;
            case JsonValueKind.Array:
                // The protocol page shows "event" as an array of JSON-text strings; the official clients treat it
                // as one string per frame (UNCONFIRMED which the service sends). Accept both.
                foreach (var item in payload.EnumerateArray())
                {
                    _sink.OnData(id, item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText());
                }

                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            default:
                _sink.OnData(id, payload.GetRawText());
                break;
        }
    }

    private bool Complete(string id, JsonElement frame) => _pending.TryGetValue(id, out var tcs) && tcs.TrySetResult(frame);

    private bool Fault(string id, AppSyncEventsException error) => _pending.TryGetValue(id, out var tcs) && tcs.TrySetException(error);
}

/// <summary>Where a session hands frames that are not replies to pending operations.</summary>
internal interface IEventsFrameSink
{
    void OnData(string subscriptionId, string eventJson);

    void OnBroadcastError(AppSyncEventsException error);

    void OnError(AppSyncEventsException error);

    void OnUnparsableFrame(string text);
}
