using System.Text.Json;

namespace AppSyncChat.Local.AppSyncEvents;

/// <summary>
/// Per-API counters of the emulator, read by <c>GET /_emulator/stats</c> (the benchmark counts AppSync
/// operations with them). How AWS bills "Event API operations" is UNCONFIRMED; these are raw counts.
/// </summary>
public sealed class EmulatorStats
{
    private long _httpPublishRequests;
    private long _webSocketPublishRequests;
    private long _inboundEvents;
    private long _outboundMessages;
    private long _controlMessages;
    private long _connections;
    private long _activeConnections;
    private long _subscribeRequests;
    private long _activeSubscriptions;
    private long _authFailures;
    private long _slowConnectionsClosed;
    private long _broadcastErrors;
    private long _publishesThrottled;
    private long _publishServerErrors;
    private long _publishServerErrorsAfterDelivery;

    public long HttpPublishRequests => Interlocked.Read(ref _httpPublishRequests);

    public long WebSocketPublishRequests => Interlocked.Read(ref _webSocketPublishRequests);

    /// <summary>HTTP plus WebSocket publish requests that were accepted.</summary>
    public long PublishRequests => HttpPublishRequests + WebSocketPublishRequests;

    /// <summary>Events accepted by publishes.</summary>
    public long InboundEvents => Interlocked.Read(ref _inboundEvents);

    /// <summary><c>data</c> frames queued to subscribers (one per event per matching subscription).</summary>
    public long OutboundMessages => Interlocked.Read(ref _outboundMessages);

    /// <summary>Other frames sent (acks, replies, <c>ka</c>, errors).</summary>
    public long ControlMessages => Interlocked.Read(ref _controlMessages);

    public long Connections => Interlocked.Read(ref _connections);

    public long ActiveConnections => Interlocked.Read(ref _activeConnections);

    public long SubscribeRequests => Interlocked.Read(ref _subscribeRequests);

    public long ActiveSubscriptions => Interlocked.Read(ref _activeSubscriptions);

    public long AuthFailures => Interlocked.Read(ref _authFailures);

    public long SlowConnectionsClosed => Interlocked.Read(ref _slowConnectionsClosed);

    public long BroadcastErrors => Interlocked.Read(ref _broadcastErrors);

    /// <summary>Publishes answered 429 by an injected fault (<see cref="AppSyncEventsEmulatorOptions.PublishFaults"/>); not counted as publish requests.</summary>
    public long PublishesThrottled => Interlocked.Read(ref _publishesThrottled);

    /// <summary>Publishes answered 500 by an injected fault before delivery; not counted as publish requests.</summary>
    public long PublishServerErrors => Interlocked.Read(ref _publishServerErrors);

    /// <summary>Publishes delivered and then answered 500 by an injected fault (counted as publish requests too).</summary>
    public long PublishServerErrorsAfterDelivery => Interlocked.Read(ref _publishServerErrorsAfterDelivery);

    internal void PublishFaultInjected(PublishFault fault)
    {
        switch (fault)
        {
            case PublishFault.Throttle: Interlocked.Increment(ref _publishesThrottled); break;
            case PublishFault.ServerError: Interlocked.Increment(ref _publishServerErrors); break;
            case PublishFault.ServerErrorAfterDelivery: Interlocked.Increment(ref _publishServerErrorsAfterDelivery); break;
        }
    }

    internal void HttpPublish(int events)
    {
        Interlocked.Increment(ref _httpPublishRequests);
        Interlocked.Add(ref _inboundEvents, events);
    }

    internal void WebSocketPublish(int events)
    {
        Interlocked.Increment(ref _webSocketPublishRequests);
        Interlocked.Add(ref _inboundEvents, events);
    }

    internal void Outbound(long count) => Interlocked.Add(ref _outboundMessages, count);

    internal void Control() => Interlocked.Increment(ref _controlMessages);

    internal void ConnectionOpened()
    {
        Interlocked.Increment(ref _connections);
        Interlocked.Increment(ref _activeConnections);
    }

    internal void ConnectionClosed() => Interlocked.Decrement(ref _activeConnections);

    internal void Subscribed()
    {
        Interlocked.Increment(ref _subscribeRequests);
        Interlocked.Increment(ref _activeSubscriptions);
    }

    internal void Unsubscribed(int count = 1) => Interlocked.Add(ref _activeSubscriptions, -count);

    internal void AuthFailed() => Interlocked.Increment(ref _authFailures);

    internal void SlowConnectionClosed() => Interlocked.Increment(ref _slowConnectionsClosed);

    internal void BroadcastError() => Interlocked.Increment(ref _broadcastErrors);

    internal void WriteJson(Utf8JsonWriter writer, string apiId)
    {
        writer.WriteStartObject();
        writer.WriteString("apiId", apiId);
        writer.WriteNumber("publishRequests", PublishRequests);
        writer.WriteNumber("httpPublishRequests", HttpPublishRequests);
        writer.WriteNumber("webSocketPublishRequests", WebSocketPublishRequests);
        writer.WriteNumber("inboundEvents", InboundEvents);
        writer.WriteNumber("outboundMessages", OutboundMessages);
        writer.WriteNumber("controlMessages", ControlMessages);
        writer.WriteNumber("connections", Connections);
        writer.WriteNumber("activeConnections", ActiveConnections);
        writer.WriteNumber("subscribeRequests", SubscribeRequests);
        writer.WriteNumber("activeSubscriptions", ActiveSubscriptions);
        writer.WriteNumber("authFailures", AuthFailures);
        writer.WriteNumber("slowConnectionsClosed", SlowConnectionsClosed);
        writer.WriteNumber("broadcastErrors", BroadcastErrors);
        writer.WriteNumber("publishesThrottled", PublishesThrottled);
        writer.WriteNumber("publishServerErrors", PublishServerErrors);
        writer.WriteNumber("publishServerErrorsAfterDelivery", PublishServerErrorsAfterDelivery);
        writer.WriteEndObject();
    }
}
