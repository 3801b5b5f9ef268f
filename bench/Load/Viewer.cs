using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Client;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Events;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Channels;

namespace AppSyncChat.Bench.Load;

/// <summary>One update of the shipped catch-up, stamped when the viewer got it.</summary>
public readonly record struct ViewerUpdate(DateTimeOffset At, ChatUpdate Update);

/// <summary>
/// A simulated viewer that runs what users run: the client library's catch-up (<see cref="ConversationFollower"/>,
/// the same code as the CLI's) over its own AppSync Events WebSocket. It stamps each raw event and each update as
/// it arrives; parsing and checking happen after the turn, so the load generator does little while measuring.
/// </summary>
public sealed class Viewer : IAsyncDisposable
{
    private readonly RecordingSubscriber _subscriber;
    private readonly List<ViewerUpdate> _updates = [];
    private readonly TaskCompletionSource _terminal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private IChannelSubscription? _subscription;
    private Task? _pump;

    private Viewer(RecordingSubscriber subscriber) => _subscriber = subscriber;

    /// <summary>Completes when the followed message finished (a terminal update), or faults with the follower's error.</summary>
    public Task Terminal => _terminal.Task;

    /// <summary>A viewer of an existing conversation: subscribed (acknowledged) now, before anything is sent.</summary>
    public static async Task<Viewer> SubscribeAsync(EventsWebSocketOptions options, string conversationId, CancellationToken cancellationToken)
    {
        var viewer = new Viewer(new RecordingSubscriber(AppSyncEventsChannelSubscriber.Create(options)));
        try
        {
            viewer._subscription = await viewer._subscriber.SubscribeAsync(ChatChannels.ForConversation(conversationId), cancellationToken).ConfigureAwait(false);
            return viewer;
        }
        catch
        {
            await viewer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Follows the message the turn created, with the events buffered since subscribing (as <see cref="ChatClient"/> does after a send).</summary>
    public void Follow(IChatApi api, string conversationId, string messageId)
    {
        var subscription = _subscription ?? throw new InvalidOperationException("Subscribe first.");
        _subscription = null; // the follower owns it now
        var follower = new ConversationFollower(api, _subscriber);
        _pump = RecordAsync(follower.FollowAsync(subscription, new FollowRequest(conversationId) { MessageId = messageId }, _stop.Token));
    }

    /// <summary>
    /// A user starting a conversation with the client library: <see cref="ChatClient.SendAsync"/> without a
    /// conversation id creates it, subscribes to its channel, sends, and follows the answer.
    /// </summary>
    public static Viewer StartConversation(IChatApi api, EventsWebSocketOptions options, SendMessageInput firstMessage, Action<ChatUpdate> onAccepted)
    {
        var subscriber = new RecordingSubscriber(AppSyncEventsChannelSubscriber.Create(options));
        var viewer = new Viewer(subscriber);
        var client = new ChatClient(api, subscriber);
        viewer._pump = viewer.RecordAsync(Observe(client.SendAsync(firstMessage, viewer._stop.Token), onAccepted));
        return viewer;

        static async IAsyncEnumerable<ChatUpdate> Observe(IAsyncEnumerable<ChatUpdate> updates, Action<ChatUpdate> onAccepted)
        {
            await foreach (var update in updates.ConfigureAwait(false))
            {
                if (update is ConversationStarted or MessageAccepted)
                {
                    onAccepted(update);
                }

                yield return update;
            }
        }
    }

    /// <summary>What arrived on the channel so far (a copy).</summary>
    public ReceivedEvent[] Events() => _subscriber.Events();

    /// <summary>The catch-up's updates so far (a copy).</summary>
    public ViewerUpdate[] Updates()
    {
        lock (_updates)
        {
            return [.. _updates];
        }
    }

    private async Task RecordAsync(IAsyncEnumerable<ChatUpdate> updates)
    {
        try
        {
            await foreach (var update in updates.ConfigureAwait(false))
            {
                var at = DateTimeOffset.UtcNow;
                lock (_updates)
                {
                    _updates.Add(new ViewerUpdate(at, update));
                }

                if (update is MessageFinished)
                {
                    _terminal.TrySetResult();
                }
            }

            _terminal.TrySetException(new InvalidOperationException("The follower ended without a final state."));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            _terminal.TrySetCanceled();
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
            await Quietly(_subscription.DisposeAsync()).ConfigureAwait(false);
        }

        await Quietly(_subscriber.DisposeAsync()).ConfigureAwait(false);
        _stop.Dispose();
    }

    private static async Task Quietly(ValueTask closing)
    {
        try
        {
            await closing.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AppSyncEventsException or IOException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
            // the socket may already be closed
        }
    }
}
