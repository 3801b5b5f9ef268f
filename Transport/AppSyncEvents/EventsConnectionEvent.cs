namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>State of an <see cref="EventsWebSocketClient"/>'s connection.</summary>
public enum EventsConnectionState
{
    NotConnected,
    Connecting,
    Connected,
    Reconnecting,
    Closed,
}

/// <summary>What happened to the connection.</summary>
public enum EventsConnectionEventKind
{
    /// <summary>The first connection is acknowledged.</summary>
    Connected,

    /// <summary>The socket was lost (error, server close, missed keep-alive); a reconnect follows unless closing.</summary>
    Disconnected,

    /// <summary>A reconnect attempt is about to start after <see cref="EventsConnectionEvent.Delay"/>.</summary>
    Reconnecting,

    /// <summary>
    /// A new socket is acknowledged and every active subscription was sent again. Events published while
    /// disconnected are lost: a catch-up client re-fetches its snapshot here.
    /// </summary>
    Reconnected,

    /// <summary>A <c>broadcast_error</c> for a subscription: an event may not have been delivered.</summary>
    BroadcastError,

    /// <summary>A generic <c>error</c> frame not tied to a pending operation.</summary>
    Error,

    /// <summary>The client closed (disposed, or gave up reconnecting).</summary>
    Closed,
}

/// <summary>One connection change, observed through <see cref="EventsWebSocketClient.ConnectionChanged"/> or <see cref="EventsWebSocketClient.WatchConnectionAsync"/>.</summary>
public sealed record EventsConnectionEvent(
    EventsConnectionEventKind Kind,
    EventsConnectionState State,
    AppSyncEventsException? Error = null,
    string? SubscriptionId = null,
    int Attempt = 0,
    TimeSpan Delay = default);
