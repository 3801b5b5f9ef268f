namespace AppSyncChat.Client.CatchUp;

/// <summary>
/// The narrow seam between catch-up and a pub/sub transport (AppSync Events over WebSocket in production,
/// scripted sequences in tests). <see cref="SubscribeAsync"/> returns once the subscription is live
/// (<c>subscribe_success</c>), so events published afterwards are delivered.
/// </summary>
public interface IChannelSubscriber
{
    Task<IChannelSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken);
}

/// <summary>
/// Optional: a subscriber that can open its connection ahead of the first subscribe (the client does this
/// while a new conversation's <c>sendMessage</c> is in flight, so the subscription is live sooner).
/// </summary>
public interface IConnectableChannelSubscriber : IChannelSubscriber
{
    Task ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>A live subscription: event JSON texts, and a signal each time the transport reconnected.</summary>
public interface IChannelSubscription : IAsyncDisposable
{
    /// <summary>
    /// Messages in arrival order. Ends normally when the subscription is closed for good; throws when the
    /// transport gave up (the exception says why).
    /// </summary>
    IAsyncEnumerable<ChannelMessage> ReadAllAsync(CancellationToken cancellationToken);
}

public abstract record ChannelMessage;

/// <summary>One AppSync event: its JSON text exactly as published.</summary>
public sealed record ChannelEvent(string Json) : ChannelMessage;

/// <summary>
/// The transport lost its connection and is subscribed again; events published in between may be lost.
/// </summary>
public sealed record ChannelReconnected : ChannelMessage;

/// <summary>
/// The transport says events may not have been delivered (e.g. an AppSync <c>broadcast_error</c>): the
/// follower checks the snapshot.
/// </summary>
public sealed record ChannelEventsLost : ChannelMessage;
