using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
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
    /// <see cref="FollowAsync"/>. The channel is always subscribed (and acknowledged) before the message is
    /// sent, so not even the first event is missed: without <see cref="SendMessageInput.ConversationId"/> this is
    /// <see cref="StartConversationAsync"/> with a conversation request id derived from the message's, so a
    /// retry with the same <see cref="SendMessageInput.ClientRequestId"/> reaches the same conversation.
    /// </summary>
    public IAsyncEnumerable<ChatUpdate> SendAsync(SendMessageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.ConversationId is null)
        {
            return StartConversationAsync(new CreateConversationInput { ClientRequestId = ConversationRequestIdFor(input.ClientRequestId) }, input, cancellationToken);
        }

        return StartAndFollowAsync(input.ConversationId, ct => Api.SendMessageAsync(input, ct), input.Text, cancellationToken);
    }

    /// <summary>
    /// Starts a new conversation and follows its first answer: <c>createConversation</c>, subscribe to its channel
    /// and wait for the acknowledgement (<see cref="ConversationStarted"/>), then <c>sendMessage</c>
    /// (<see cref="MessageAccepted"/>) and the updates of <see cref="FollowAsync"/>. The conversation's
    /// <see cref="CreateConversationInput.Settings"/> are defaults for every answer; <paramref name="firstMessage"/>'s
    /// own settings override them. Its <see cref="SendMessageInput.ConversationId"/> must be null.
    /// </summary>
    public IAsyncEnumerable<ChatUpdate> StartConversationAsync(CreateConversationInput conversation, SendMessageInput firstMessage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(firstMessage);
        if (firstMessage.ConversationId is not null)
        {
            throw new ArgumentException("The first message of a new conversation has no conversation id yet.", nameof(firstMessage));
        }

        return StartConversationCoreAsync(conversation, firstMessage, cancellationToken);
    }

    /// <summary>Creates an empty conversation (<c>createConversation</c>); subscribe to its channel before sending into it.</summary>
    public Task<Conversation> CreateConversationAsync(CreateConversationInput input, CancellationToken cancellationToken = default) =>
        Api.CreateConversationAsync(input, cancellationToken);

    /// <summary>Answers the last user message again (a new assistant message) and follows it, like <see cref="SendAsync"/>.</summary>
    public IAsyncEnumerable<ChatUpdate> RegenerateAsync(RegenerateInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return StartAndFollowAsync(input.ConversationId, ct => Api.RegenerateAsync(input, ct), null, cancellationToken);
    }

    /// <summary>
    /// The createConversation request id <see cref="SendAsync"/> uses for a message's new conversation: derived
    /// from the message's own (request ids of one owner share one namespace, so it cannot be the same), and
    /// stable, so retrying the send retries the creation too.
    /// </summary>
    public static string ConversationRequestIdFor(string messageClientRequestId)
    {
        ArgumentNullException.ThrowIfNull(messageClientRequestId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("createConversation\n" + messageClientRequestId));
        return "conv-" + Convert.ToHexStringLower(hash)[..32];
    }

    private async IAsyncEnumerable<ChatUpdate> StartConversationCoreAsync(
        CreateConversationInput create, SendMessageInput firstMessage, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Open the socket while the conversation is created, so subscribing is one round trip.
        var connecting = _subscriber is IConnectableChannelSubscriber connectable ? connectable.ConnectAsync(cancellationToken) : Task.CompletedTask;
        var creating = Api.CreateConversationAsync(create, cancellationToken);
        await Task.WhenAll(creating, connecting).ConfigureAwait(false); // a failed create is reported first
        var conversation = await creating.ConfigureAwait(false);
        if (!ChannelIds.IsValid(conversation.ConversationId))
        {
            throw ChatClientErrors.BadResponse($"the API returned a conversation id a channel cannot carry ('{conversation.ConversationId}')", null, null);
        }

        // Subscribed (acknowledged) before the message exists: the worker cannot publish ahead of us.
        var subscription = await _subscriber.SubscribeAsync(ChatChannels.ForConversation(conversation.ConversationId), cancellationToken).ConfigureAwait(false);
        var handedOver = false;
        try
        {
            yield return new ConversationStarted(conversation);
            var input = firstMessage with { ConversationId = conversation.ConversationId };
            handedOver = true;
            await foreach (var update in FollowStartedAsync(subscription, ct => Api.SendMessageAsync(input, ct), input.Text, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }
        }
        finally
        {
            if (!handedOver)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async IAsyncEnumerable<ChatUpdate> StartAndFollowAsync(
        string conversationId, Func<CancellationToken, Task<SendMessageResult>> start, string? prompt, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var subscription = await _follower.SubscribeAsync(conversationId, cancellationToken).ConfigureAwait(false);
        await foreach (var update in FollowStartedAsync(subscription, start, prompt, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    /// <summary>
    /// With the channel already subscribed: starts the turn, then follows it. Disposes the subscription.
    /// <paramref name="prompt"/> is the text just sent (null for a regeneration): the answer's first text can show
    /// before the snapshot, which is where the prompt otherwise comes from.
    /// </summary>
    private async IAsyncEnumerable<ChatUpdate> FollowStartedAsync(
        IChannelSubscription subscription, Func<CancellationToken, Task<SendMessageResult>> start, string? prompt, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            var result = await start(cancellationToken).ConfigureAwait(false);
            if (!ChannelIds.IsValid(result.ConversationId) || !ChannelIds.IsValid(result.AssistantMessageId))
            {
                throw ChatClientErrors.BadResponse($"the API returned ids a channel cannot carry ('{result.ConversationId}', '{result.AssistantMessageId}')", null, null);
            }

            yield return new MessageAccepted(result);
            var request = new FollowRequest(result.ConversationId) { MessageId = result.AssistantMessageId, Prompt = prompt };
            await foreach (var update in _follower.FollowAsync(subscription, request, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }
        }
        finally
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
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
