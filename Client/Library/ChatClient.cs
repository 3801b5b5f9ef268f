using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Errors;
using AppSyncChat.Client.Events;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Channels;

namespace AppSyncChat.Client;

/// <summary>Everything <see cref="ChatClient.Create"/> needs to talk to a deployment or the Local stack.</summary>
public sealed record ChatClientOptions
{
    /// <summary>GraphQL endpoint (<c>…/graphql</c>).</summary>
    public required Uri GraphQLUrl { get; init; }

    public required GraphQLAuth GraphQLAuth { get; init; }

    /// <summary>AppSync Events HTTP endpoint (<c>…/event</c>): the <c>host</c> of every Events authorization object.</summary>
    public required Uri EventsHttpUrl { get; init; }

    /// <summary>AppSync Events WebSocket endpoint; derived from <see cref="EventsHttpUrl"/> when null.</summary>
    public Uri? EventsRealtimeUrl { get; init; }

    public required EventsAuthorization EventsAuthorization { get; init; }

    public CatchUpOptions CatchUp { get; init; } = new();

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra WebSocket settings (e.g. trusting the Local stack's self-signed certificate for wss).</summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// The .NET client of AppSyncChat: the typed GraphQL API (<see cref="Api"/>) plus live answers with catch-up
/// (<see cref="SendAsync"/>, <see cref="RegenerateAsync"/>, <see cref="FollowAsync"/>).
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    private readonly IChannelSubscriber _subscriber;
    private readonly ConversationFollower _follower;
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly HttpClient? _ownedHttp;

    /// <summary>Composes a client from its parts (tests, custom transports).</summary>
    public ChatClient(IChatApi api, IChannelSubscriber subscriber, CatchUpOptions? catchUp = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(subscriber);
        Api = api;
        _subscriber = subscriber;
        _follower = new ConversationFollower(api, subscriber, catchUp, timeProvider);
    }

    private ChatClient(IChatApi api, AppSyncEventsChannelSubscriber subscriber, HttpClient http, ChatClientOptions options)
        : this(api, subscriber, options.CatchUp, options.TimeProvider)
    {
        _owned.Add(subscriber);
        _ownedHttp = http;
    }

    /// <summary>A client over HTTP and the AppSync Events WebSocket; the socket opens on the first live call.</summary>
    public static ChatClient Create(ChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // per-request timeouts are ChatApiClient's
        };
        var api = new ChatApiClient(http, options.GraphQLUrl, options.GraphQLAuth, options.RequestTimeout, options.TimeProvider);
        var subscriber = AppSyncEventsChannelSubscriber.Create(new EventsWebSocketOptions
        {
            HttpEndpoint = options.EventsHttpUrl,
            RealtimeEndpoint = options.EventsRealtimeUrl,
            Authorization = options.EventsAuthorization,
            TimeProvider = options.TimeProvider,
            ConfigureWebSocket = options.ConfigureWebSocket,
        });
        return new ChatClient(api, subscriber, http, options);
    }

    public IChatApi Api { get; }

    /// <summary>Follows a conversation's answer (see <see cref="FollowRequest"/>), ending with the verified final text.</summary>
    public IAsyncEnumerable<ChatUpdate> FollowAsync(FollowRequest request, CancellationToken cancellationToken = default) =>
        _follower.FollowAsync(request, cancellationToken);

    /// <summary>
    /// Sends a message and follows its answer: <see cref="MessageAccepted"/> first, then the updates of
    /// <see cref="FollowAsync"/>. In an existing conversation the channel is subscribed before sending, so not
    /// even the first event is missed; for a new one it is subscribed right after (catch-up covers the rest).
    /// </summary>
    public IAsyncEnumerable<ChatUpdate> SendAsync(SendMessageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return StartAndFollowAsync(input.ConversationId, ct => Api.SendMessageAsync(input, ct), cancellationToken);
    }

    /// <summary>Answers the last user message again (a new assistant message) and follows it, like <see cref="SendAsync"/>.</summary>
    public IAsyncEnumerable<ChatUpdate> RegenerateAsync(RegenerateInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return StartAndFollowAsync(input.ConversationId, ct => Api.RegenerateAsync(input, ct), cancellationToken);
    }

    private async IAsyncEnumerable<ChatUpdate> StartAndFollowAsync(
        string? conversationId, Func<CancellationToken, Task<SendMessageResult>> start, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IChannelSubscription? subscription = null;
        try
        {
            SendMessageResult result;
            if (conversationId is not null)
            {
                subscription = await _subscriber.SubscribeAsync(ChatChannels.ForConversation(conversationId), cancellationToken).ConfigureAwait(false);
                result = await start(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // The channel is known only from the answer: open the socket meanwhile, so subscribing is one round trip.
                var connecting = _subscriber is IConnectableChannelSubscriber connectable ? connectable.ConnectAsync(cancellationToken) : Task.CompletedTask;
                var sending = start(cancellationToken);
                await Task.WhenAll(sending, connecting).ConfigureAwait(false); // a failed send is reported first
                result = await sending.ConfigureAwait(false);
            }
            if (!ChannelIds.IsValid(result.ConversationId) || !ChannelIds.IsValid(result.AssistantMessageId))
            {
                throw ChatClientErrors.BadResponse($"the API returned ids a channel cannot carry ('{result.ConversationId}', '{result.AssistantMessageId}')", null, null);
            }

            yield return new MessageAccepted(result);
            subscription ??= await _subscriber.SubscribeAsync(ChatChannels.ForConversation(result.ConversationId), cancellationToken).ConfigureAwait(false);
            var request = new FollowRequest(result.ConversationId) { MessageId = result.AssistantMessageId };
            await foreach (var update in _follower.FollowAsync(subscription, request, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }
        }
        finally
        {
            if (subscription is not null)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync().ConfigureAwait(false);
        }

        _ownedHttp?.Dispose();
    }
}
