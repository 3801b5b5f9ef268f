using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using AppSyncChat.Client.Errors;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.CatchUp;

/// <summary>
/// Follows a conversation's answer with the catch-up algorithm of docs/catch-up.md: subscribe first and
/// buffer, fetch the snapshot, apply the events that extend it, re-fetch the snapshot on a gap, a
/// reconnect, a checksum mismatch or a long silence, and end with the verified final text.
/// Every viewer — early, late or reconnected — ends with exactly the stored text.
/// When the message to follow is known and its first event (<c>turn.started</c> of turn 1, seq 0, offset 0)
/// arrives before the first snapshot, the follower starts from the empty text at once and applies the
/// snapshot when it comes, as any later one (<see cref="MessageTimeline.CanStartFromEmpty"/>).
/// </summary>
public sealed class ConversationFollower
{
    private readonly IConversationSnapshots _snapshots;
    private readonly IChannelSubscriber _subscriber;
    private readonly CatchUpOptions _options;
    private readonly TimeProvider _time;

    public ConversationFollower(IConversationSnapshots snapshots, IChannelSubscriber subscriber, CatchUpOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(subscriber);
        _snapshots = snapshots;
        _subscriber = subscriber;
        _options = options ?? new CatchUpOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Test instrumentation: called each time the follower is about to wait for input, with the number of
    /// subscription messages it has handled so far (a deterministic sync point instead of sleeps).
    /// </summary>
    internal Action<int>? BeforeWait { get; set; }

    /// <summary>Subscribes to the conversation's channel, then follows it (see <see cref="FollowRequest"/>).</summary>
    public async IAsyncEnumerable<ChatUpdate> FollowAsync(FollowRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ValidateRequest(request);
        var subscription = await SubscribeAsync(request.ConversationId, cancellationToken).ConfigureAwait(false);
        await using (subscription.ConfigureAwait(false))
        {
            await foreach (var update in FollowAsync(subscription, request, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }
        }
    }

    /// <summary>
    /// Subscribes to the conversation's channel (returns once the subscription is acknowledged). The service
    /// refuses channels of conversations that do not exist or are not the caller's; when the transport refuses,
    /// the snapshot tells which: an unknown or foreign conversation is reported as
    /// <see cref="ChatClientErrors.ConversationNotFound"/> (as the API reports it), anything else as the transport's error.
    /// </summary>
    public async Task<IChannelSubscription> SubscribeAsync(string conversationId, CancellationToken cancellationToken)
    {
        try
        {
            return await _subscriber.SubscribeAsync(ChatChannels.ForConversation(conversationId), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception refused) when (refused is not OperationCanceledException)
        {
            if (await IsUnknownConversationAsync(conversationId, cancellationToken).ConfigureAwait(false))
            {
                throw ChatClientErrors.ConversationNotFound(conversationId);
            }

            throw;
        }
    }

    /// <summary>True only when the snapshot says the conversation does not exist (for this caller); false when it exists or cannot be read.</summary>
    private async Task<bool> IsUnknownConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        try
        {
            return await _snapshots.GetConversationAsync(conversationId, 1, cancellationToken).ConfigureAwait(false) is null;
        }
        catch (ChatClientException ex) when (ex is GraphQLRequestException { ErrorType: GraphQLErrorTypes.NotFound })
        {
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Follows with a subscription the caller opened (and disposes) — e.g. subscribed before sending the
    /// message, so not even the first event is missed.
    /// </summary>
    public IAsyncEnumerable<ChatUpdate> FollowAsync(IChannelSubscription subscription, FollowRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ValidateRequest(request);
        return new Session(this, subscription, request).RunAsync(cancellationToken);
    }

    private static void ValidateRequest(FollowRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ChannelIds.Explain(request.ConversationId) is { } why)
        {
            throw new ArgumentException($"conversationId {why} (got '{request.ConversationId}').", nameof(request));
        }

        if (request.MessageId is not null && ChannelIds.Explain(request.MessageId) is { } whyMessage)
        {
            throw new ArgumentException($"messageId {whyMessage} (got '{request.MessageId}').", nameof(request));
        }
    }

    /// <summary>Parses one event; null when it is not a stream event at all (malformed or missing required fields).</summary>
    internal static StreamEvent? ParseEvent(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ContractsJsonContext.Default.StreamEvent);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private abstract record Input;

    private sealed record EventInput(string Json) : Input;

    private sealed record ReconnectedInput : Input;

    private sealed record EventsLostInput : Input;

    private sealed record EndedInput(Exception? Error) : Input;

    private sealed record WakeInput : Input;

    /// <summary>The first snapshot, fetched in the background, is ready (or failed).</summary>
    private sealed record JoinedInput : Input;

    /// <summary>One run of the algorithm: single-threaded over an input queue fed by the subscription pump and one timer.</summary>
    private sealed class Session
    {
        private readonly ConversationFollower _owner;
        private readonly IChannelSubscription _subscription;
        private readonly FollowRequest _request;
        private readonly string _channel;
        private readonly Channel<Input> _inputs = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
        private readonly List<ChatUpdate> _out = [];
        private readonly HashSet<string> _finished = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<StreamEvent>> _others = new(StringComparer.Ordinal);
        private MessageTimeline? _current;
        private ITimer? _timer;

        /// <summary>The first snapshot while it is being read in the background; null once handled.</summary>
        private Task<(Conversation Conversation, Message? Message)>? _joining;

        /// <summary>While joining: the requested message's events, buffered in its timeline until a start is known.</summary>
        private MessageTimeline? _early;

        /// <summary>While joining: every other input, handled in order once following started.</summary>
        private readonly List<Input> _deferred = [];

        private const int FlatAttempts = 4;

        private ResyncReason? _requested;
        private int _attempts;
        private DateTimeOffset _nextFetchAllowedAt;
        private DateTimeOffset? _holeSince;
        private DateTimeOffset _lastEventAt;
        private bool _ended;
        private int _handled;

        public Session(ConversationFollower owner, IChannelSubscription subscription, FollowRequest request)
        {
            _owner = owner;
            _subscription = subscription;
            _request = request;
            _channel = ChatChannels.ForConversation(request.ConversationId);
        }

        private CatchUpOptions Options => _owner._options;

        private DateTimeOffset Now => _owner._time.GetUtcNow();

        public async IAsyncEnumerable<ChatUpdate> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            using var pumpCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var pump = PumpAsync(pumpCancellation.Token);
            _timer = _owner._time.CreateTimer(static state => ((Session)state!)._inputs.Writer.TryWrite(new WakeInput()), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            try
            {
                _lastEventAt = Now;
                await JoinAsync(pumpCancellation.Token).ConfigureAwait(false);
                foreach (var update in Flush())
                {
                    yield return update;
                }

                while (!Done())
                {
                    await HandleNeedsAsync(cancellationToken).ConfigureAwait(false);
                    foreach (var update in Flush())
                    {
                        yield return update;
                    }

                    if (Done())
                    {
                        break;
                    }

                    ArmTimer();
                    _owner.BeforeWait?.Invoke(_handled);
                    var input = await _inputs.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    await HandleAsync(input, cancellationToken).ConfigureAwait(false);
                    foreach (var update in Flush())
                    {
                        yield return update;
                    }
                }
            }
            finally
            {
                await pumpCancellation.CancelAsync().ConfigureAwait(false);
                _ = _joining?.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                if (_timer is not null)
                {
                    await _timer.DisposeAsync().ConfigureAwait(false);
                }

                try
                {
                    await pump.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The pump stops with the session.
                }
            }
        }

        /// <summary>Ended; or, following one message, it is final (even if its first snapshot is still being read) or there is none.</summary>
        private bool Done() =>
            _ended || (!_request.FollowNewMessages && (_current is null ? _joining is null : _current.Finished));

        private ChatUpdate[] Flush()
        {
            var batch = _out.ToArray();
            _out.Clear();
            return batch;
        }

        private async Task PumpAsync(CancellationToken cancellationToken)
        {
            // Never let the pump's exception escape unobserved: it becomes an input.
            await Task.Yield();
            try
            {
                await foreach (var message in _subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    _inputs.Writer.TryWrite(message switch
                    {
                        ChannelEvent e => new EventInput(e.Json),
                        ChannelReconnected => new ReconnectedInput(),
                        ChannelEventsLost => new EventsLostInput(),
                        _ => new WakeInput(),
                    });
                }

                _inputs.Writer.TryWrite(new EndedInput(null));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                _inputs.Writer.TryWrite(new EndedInput(ex));
            }
        }

        /// <summary>
        /// Reads the first snapshot. When it is not there at once and the message is known, it is read in the
        /// background (<see cref="JoinedInput"/>) while the requested message's events are buffered, so that its
        /// first event can start the text before the snapshot returns (<see cref="OnInputWhileJoiningAsync"/>).
        /// </summary>
        private async Task JoinAsync(CancellationToken cancellationToken)
        {
            var joining = FindAsync(_request.MessageId, cancellationToken);
            if (joining.IsCompleted || _request.MessageId is null)
            {
                OnJoined(await joining.ConfigureAwait(false), null);
                return;
            }

            _joining = joining;
            _early = new MessageTimeline(_request.ConversationId, _request.MessageId);
            _ = joining.ContinueWith(
                static (_, state) => ((Session)state!)._inputs.Writer.TryWrite(new JoinedInput()),
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        private void OnJoined((Conversation Conversation, Message? Message) found, MessageTimeline? buffered)
        {
            var (conversation, message) = found;
            if (message is null)
            {
                if (_request.MessageId is not null)
                {
                    throw ChatClientErrors.MessageNotFound(_request.ConversationId, _request.MessageId);
                }

                return; // no answer yet: in follow mode, wait for one; otherwise nothing to show
            }

            StartFollowing(conversation, message, ResyncReason.Joined, buffered);
        }

        /// <summary>The background snapshot arrived: start from it, or (already started from the empty text) apply it as any later snapshot.</summary>
        private async Task OnBackgroundJoinAsync(CancellationToken cancellationToken)
        {
            var found = await _joining!.ConfigureAwait(false); // a failed first read fails the follow, as before
            _joining = null;
            if (_current is null)
            {
                var early = _early;
                _early = null;
                OnJoined(found, early);
                await ReplayDeferredAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            var current = _current;
            if (found.Message is null || found.Message.MessageId != current.MessageId)
            {
                return; // its events proved the message exists; later re-fetches still report a vanished one
            }

            if (_request.Prompt is null && PromptOf(found.Conversation, found.Message) is { } prompt)
            {
                _out.Add(new PromptFound(current.MessageId, prompt));
            }

            current.ApplySnapshot(found.Message, ResyncReason.Joined, _out);
            if (current.Finished)
            {
                AfterProgress();
            }

            TrackHole();
        }

        /// <summary>
        /// An input while the first snapshot is read in the background: the requested message's events are buffered
        /// in its timeline, and its <c>turn.started</c> of turn 1 at offset 0 starts following at once; every other
        /// input waits until following starts.
        /// </summary>
        private async Task OnInputWhileJoiningAsync(Input input, CancellationToken cancellationToken)
        {
            if (input is not EventInput { Json: var json } || ParseEvent(json) is not { } e
                || !string.Equals(e.ConversationId, _request.ConversationId, StringComparison.Ordinal)
                || !string.Equals(e.MessageId, _early!.MessageId, StringComparison.Ordinal))
            {
                if (input is not WakeInput)
                {
                    _deferred.Add(input);
                }

                return;
            }

            var early = _early;
            early.Offer(e, _out);
            if (!early.CanStartFromEmpty)
            {
                return;
            }

            _early = null;
            _current = early;
            _out.Add(new FollowingMessage(_request.ConversationId, early.MessageId, 1, MessageStatus.Queued, _request.Prompt));
            early.StartFromEmpty(_out);
            AfterProgress();
            _lastEventAt = Now;
            await ReplayDeferredAsync(cancellationToken).ConfigureAwait(false);
        }

        private async Task ReplayDeferredAsync(CancellationToken cancellationToken)
        {
            var deferred = _deferred.ToList();
            _deferred.Clear();
            foreach (var input in deferred)
            {
                await HandleCoreAsync(input, cancellationToken).ConfigureAwait(false);
            }
        }

        private static string? PromptOf(Conversation conversation, Message message)
        {
            var index = conversation.Messages.ToList().FindIndex(m => m.MessageId == message.MessageId);
            return index > 0 && conversation.Messages[index - 1].Role == MessageRoles.User ? conversation.Messages[index - 1].Text : null;
        }

        /// <summary>The conversation and the message to follow: the given id, else the active one, else the newest assistant message.</summary>
        private async Task<(Conversation Conversation, Message? Message)> FindAsync(string? messageId, CancellationToken cancellationToken)
        {
            var conversation = await _owner._snapshots.GetConversationAsync(_request.ConversationId, Options.SnapshotMessageLimit, cancellationToken).ConfigureAwait(false)
                ?? throw ChatClientErrors.ConversationNotFound(_request.ConversationId);
            var wanted = messageId ?? conversation.ActiveMessageId;
            if (wanted is null)
            {
                return (conversation, conversation.Messages.LastOrDefault(m => m.Role == MessageRoles.Assistant));
            }

            var found = conversation.Messages.FirstOrDefault(m => m.MessageId == wanted);
            if (found is null && conversation.Messages.Count >= Options.SnapshotMessageLimit)
            {
                // Older than the newest few: fetch the whole conversation once.
                conversation = await _owner._snapshots.GetConversationAsync(_request.ConversationId, null, cancellationToken).ConfigureAwait(false)
                    ?? throw ChatClientErrors.ConversationNotFound(_request.ConversationId);
                found = conversation.Messages.FirstOrDefault(m => m.MessageId == wanted);
            }

            return (conversation, found);
        }

        /// <param name="buffered">The timeline that buffered the message's events while the snapshot was read, if any.</param>
        private void StartFollowing(Conversation conversation, Message message, ResyncReason reason, MessageTimeline? buffered = null)
        {
            var prompt = PromptOf(conversation, message) ?? (message.MessageId == _request.MessageId ? _request.Prompt : null);
            _current = buffered is not null && buffered.MessageId == message.MessageId ? buffered : new MessageTimeline(_request.ConversationId, message.MessageId);
            _out.Add(new FollowingMessage(_request.ConversationId, message.MessageId, message.Turn, message.Status, prompt));
            if (_others.Remove(message.MessageId, out var early))
            {
                foreach (var e in early)
                {
                    _current.Offer(e, _out); // buffered only: no snapshot yet
                }
            }

            _current.ApplySnapshot(message, reason, _out);
            AfterProgress();
            _lastEventAt = Now;
        }

        private async Task HandleAsync(Input input, CancellationToken cancellationToken)
        {
            if (input is EventInput or ReconnectedInput or EventsLostInput)
            {
                _handled++;
            }

            if (input is JoinedInput)
            {
                await OnBackgroundJoinAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (_joining is not null && _current is null)
            {
                await OnInputWhileJoiningAsync(input, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await HandleCoreAsync(input, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task HandleCoreAsync(Input input, CancellationToken cancellationToken)
        {
            switch (input)
            {
                case EventInput { Json: var json }:
                    await OnEventAsync(json, cancellationToken).ConfigureAwait(false);
                    break;

                case ReconnectedInput:
                    _out.Add(new ConnectionRestored(_current?.MessageId ?? ""));
                    _requested = ResyncReason.Reconnected;
                    _nextFetchAllowedAt = Now; // a reconnect always checks at once
                    break;

                case EventsLostInput:
                    _requested ??= ResyncReason.Gap;
                    break;

                case EndedInput { Error: var error }:
                    if (error is not null || (_current is not null && !_current.Finished))
                    {
                        throw ChatClientErrors.SubscriptionLost(_channel, error);
                    }

                    _ended = true;
                    break;

                default:
                    break; // a timer woke us: HandleNeedsAsync re-evaluates the deadlines
            }
        }

        private async Task OnEventAsync(string json, CancellationToken cancellationToken)
        {
            var e = ParseEvent(json);
            if (e is null || !string.Equals(e.ConversationId, _request.ConversationId, StringComparison.Ordinal))
            {
                return; // not a stream event of this conversation
            }

            if (_current is not null && e.MessageId == _current.MessageId)
            {
                _lastEventAt = Now;
                var before = (_current.Turn, _current.Seq, _current.Finished);
                _current.Offer(e, _out);
                if ((_current.Turn, _current.Seq, _current.Finished) != before)
                {
                    AfterProgress();
                }

                return;
            }

            if (_finished.Contains(e.MessageId) || !_request.FollowNewMessages)
            {
                return;
            }

            if (!_others.TryGetValue(e.MessageId, out var list))
            {
                _others[e.MessageId] = list = [];
            }

            if (list.Count < Options.MaxBufferedEventsPerMessage)
            {
                list.Add(e);
            }

            if (_current is null || _current.Finished)
            {
                await SwitchAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // A new answer while ours is not final: our terminal event was probably lost.
                _requested ??= ResyncReason.NewMessage;
            }
        }

        /// <summary>Follow mode: the followed message is final and another one has events; follow that one.</summary>
        private async Task SwitchAsync(CancellationToken cancellationToken)
        {
            var conversation = await _owner._snapshots.GetConversationAsync(_request.ConversationId, null, cancellationToken).ConfigureAwait(false)
                ?? throw ChatClientErrors.ConversationNotFound(_request.ConversationId);
            var next = conversation.Messages.LastOrDefault(m =>
                m.Role == MessageRoles.Assistant && !_finished.Contains(m.MessageId)
                && (m.MessageId == conversation.ActiveMessageId || _others.ContainsKey(m.MessageId)));
            if (next is null)
            {
                _others.Clear(); // events of messages the snapshot does not know: nothing to follow
                return;
            }

            StartFollowing(conversation, next, ResyncReason.NewMessage);
        }

        private async Task HandleNeedsAsync(CancellationToken cancellationToken)
        {
            if (_current is null || _current.Finished)
            {
                if (_requested is not null && _request.FollowNewMessages)
                {
                    _requested = null;
                    await SwitchAsync(cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            TrackHole();
            var reason = Need();
            if (reason is null || Now < _nextFetchAllowedAt)
            {
                return; // nothing to do, or backing off (the timer wakes us)
            }

            _requested = null;
            _attempts++;
            _nextFetchAllowedAt = Now + Backoff(_attempts);
            _lastEventAt = Now;
            var current = _current;
            (Conversation Conversation, Message? Message) found;
            try
            {
                found = await FindAsync(current.MessageId, cancellationToken).ConfigureAwait(false);
            }
            catch (ChatClientException ex) when (ex.Kind is ChatErrorKind.Connection or ChatErrorKind.Unavailable)
            {
                _requested ??= reason; // transient: try again after the backoff
                return;
            }

            if (found.Message is null)
            {
                throw ChatClientErrors.MessageNotFound(_request.ConversationId, current.MessageId);
            }

            current.ApplySnapshot(found.Message, reason.Value, _out);
            if (current.Finished)
            {
                AfterProgress();
            }

            TrackHole();
            if (current.Finished && _request.FollowNewMessages && (_others.Count > 0 || found.Conversation.ActiveMessageId is { } active && !_finished.Contains(active)))
            {
                await SwitchAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        private ResyncReason? Need()
        {
            var current = _current!;
            if (current.NeedsSnapshot is { } forced)
            {
                return forced;
            }

            if (_requested is { } requested)
            {
                return requested;
            }

            if (current.HoleIsDefinite() || (_holeSince is { } since && Now - since >= Options.GapGracePeriod))
            {
                return ResyncReason.Gap;
            }

            if (Options.IdleResnapshotAfter != Timeout.InfiniteTimeSpan && Now - _lastEventAt >= Options.IdleResnapshotAfter)
            {
                return ResyncReason.Idle;
            }

            return null;
        }

        private void TrackHole()
        {
            if (_current is { Hole: true })
            {
                _holeSince ??= Now;
            }
            else
            {
                _holeSince = null;
            }
        }

        /// <summary>Live events moved the message forward: problems are solved, the next snapshot may be immediate.</summary>
        private void AfterProgress()
        {
            if (_current is { Finished: true })
            {
                _finished.Add(_current.MessageId);
            }

            _attempts = 0;
            _nextFetchAllowedAt = Now;
        }

        /// <summary>
        /// Flat for the first tries (a lagging checkpoint lands within about a second, so poll it a few times a
        /// second), then doubling up to the maximum.
        /// </summary>
        private TimeSpan Backoff(int attempts)
        {
            var factor = attempts <= FlatAttempts ? 1 : Math.Pow(2, Math.Min(attempts - FlatAttempts, 20));
            var delay = TimeSpan.FromTicks((long)Math.Min(Options.ResnapshotBackoff.Ticks * factor, Options.MaxResnapshotBackoff.Ticks));
            return delay;
        }

        /// <summary>One timer for the earliest deadline: hole grace, backoff end, idle check.</summary>
        private void ArmTimer()
        {
            var now = Now;
            DateTimeOffset? due = null;
            void Consider(DateTimeOffset at) => due = due is null || at < due ? at : due;

            if (_current is { Finished: false } current)
            {
                if (_holeSince is { } since)
                {
                    Consider(Max(since + Options.GapGracePeriod, _nextFetchAllowedAt));
                }

                if (current.NeedsSnapshot is not null || _requested is not null || current.HoleIsDefinite())
                {
                    Consider(_nextFetchAllowedAt);
                }

                if (Options.IdleResnapshotAfter != Timeout.InfiniteTimeSpan)
                {
                    Consider(Max(_lastEventAt + Options.IdleResnapshotAfter, _nextFetchAllowedAt));
                }
            }

            var delay = due is { } at ? Max(at - now, TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
            _timer!.Change(delay, Timeout.InfiniteTimeSpan);
        }

        private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

        private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    }
}
