using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Bench.Load;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Events;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Model;
using Conversation = AppSyncChat.Client.GraphQL.Conversation;
using MessageError = AppSyncChat.Client.GraphQL.MessageError;

namespace AppSyncChat.Integration.Tests.Fixtures;

/// <summary>
/// A viewer that runs the client library's catch-up (<see cref="ConversationFollower"/>, the CLI's code) over its
/// own AppSync Events WebSocket, with the stored message as its snapshot. It records every raw event of the message
/// as it arrived, and on top of the catch-up checks what the Worker promises: the terminal event matches the text
/// the events built (no checksum repair), every checkpoint ends where the next event's text starts, and text events
/// follow each other without overlap. Its text must equal the stored text, character for character.
/// </summary>
internal sealed class CatchUpViewer : IAsyncDisposable
{
    private readonly RecordingSubscriber _subscriber;
    private readonly StoredSnapshots _snapshots;
    private readonly string _messageId;
    private readonly StringBuilder _text = new();
    private readonly TaskCompletionSource<StreamEvent> _terminal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private IChannelSubscription? _subscription;
    private Task? _pump;
    private int? _joinLength;
    private DateTimeOffset? _liveTextCandidate;

    private CatchUpViewer(RecordingSubscriber subscriber, StoredSnapshots snapshots, string messageId)
    {
        _subscriber = subscriber;
        _snapshots = snapshots;
        _messageId = messageId;
    }

    /// <summary>
    /// Subscribes (acknowledged) and starts following <paramref name="messageId"/>. With <paramref name="awaitJoin"/>
    /// it returns once the join snapshot is shown (<see cref="Text"/> holds the stored text); otherwise at once.
    /// </summary>
    public static async Task<CatchUpViewer> StartAsync(EventsWebSocketOptions options, string conversationId, string messageId, Func<Task<ChatMessage>> readStored, bool awaitJoin)
    {
        var viewer = new CatchUpViewer(new RecordingSubscriber(AppSyncEventsChannelSubscriber.Create(options)), new StoredSnapshots(readStored), messageId);
        try
        {
            await viewer._subscriber.ConnectAsync(CancellationToken.None);
            viewer._subscription = await viewer._subscriber.SubscribeAsync(ChatChannels.ForConversation(conversationId), CancellationToken.None);
        }
        catch
        {
            await viewer.DisposeAsync();
            throw;
        }

        var follower = new ConversationFollower(viewer._snapshots, viewer._subscriber);
        viewer._pump = Task.Run(() => viewer.FollowAsync(follower.FollowAsync(viewer._subscription, new FollowRequest(conversationId) { MessageId = messageId }, viewer._stop.Token)));
        if (awaitJoin)
        {
            await viewer._joined.Task;
        }

        return viewer;
    }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Snapshots the catch-up took after joining, to fill what the live events missed.</summary>
    public int Gaps { get; private set; }

    /// <summary>Every event of this message as it arrived on the WebSocket (parsed now from the recording).</summary>
    public List<StreamEvent> Events => [.. Received().Select(r => r.Event)];

    /// <summary>Each text event of this message as it arrived (receipt time, offset, text), before it was applied.</summary>
    public List<(DateTimeOffset At, long Offset, string Text)> TextArrivals =>
        [.. Received().Where(r => r.Event is TextDelta).Select(r => (r.At, ((TextDelta)r.Event).Offset, ((TextDelta)r.Event).Text))];

    /// <summary>The UTF-8 size of each event of this message as it arrived on the WebSocket, in <see cref="Events"/> order.</summary>
    public List<int> EventBytes => [.. Received().Select(r => r.Bytes)];

    /// <summary>
    /// The terminal event of the message: the one received live, or — when the catch-up ended from a final
    /// snapshot (joined after the end, or the event was lost) — one made from the stored message. Faults when a
    /// check of the Worker's stream failed or the catch-up gave up.
    /// </summary>
    public Task<StreamEvent> Terminal => _terminal.Task;

    /// <summary>Completes when live text was first shown (text a live event brought, not a snapshot).</summary>
    public TaskCompletionSource FirstText { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When the catch-up first showed text that a live event brought (after the join snapshot).</summary>
    public DateTimeOffset? FirstLiveTextAppliedAt { get; private set; }

    private async Task FollowAsync(IAsyncEnumerable<ChatUpdate> updates)
    {
        try
        {
            await foreach (var update in updates)
            {
                OnUpdate(update);
                if (update is MessageFinished)
                {
                    _terminal.TrySetResult(CheckedTerminal());
                }
            }

            _terminal.TrySetException(new InvalidOperationException("The catch-up ended without a final state."));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            _terminal.TrySetCanceled();
        }
        catch (Exception ex)
        {
            _terminal.TrySetException(ex);
        }
        finally
        {
            _joined.TrySetException(new InvalidOperationException("The catch-up ended before it joined.", _terminal.Task.Exception));
        }
    }

    private void OnUpdate(ChatUpdate update)
    {
        var at = DateTimeOffset.UtcNow;

        // A snapshot's text change is followed at once by Resynced; text that is not came from live events.
        if (_liveTextCandidate is { } candidate)
        {
            _liveTextCandidate = null;
            if (update is not Resynced)
            {
                FirstLiveTextAppliedAt = candidate;
                FirstText.TrySetResult();
            }
        }

        lock (_text)
        {
            switch (update)
            {
                case FollowingMessage following:
                    // A message followed from its first event (turn 1, nothing stored yet) joins at length 0, before
                    // any snapshot was read; otherwise the join snapshot was the first one served.
                    _joinLength = following.Status == MessageStatus.Queued || _snapshots.Served.Count == 0 ? 0 : _snapshots.Served[0].Text.Length;
                    break;
                case TextAppended appended:
                    _text.Append(appended.Text);
                    break;
                case TextReset reset:
                    _text.Clear().Append(reset.Text);
                    break;
                case MessageFinished finished:
                    _text.Clear().Append(finished.Text);
                    break;
                case Resynced { Reason: ResyncReason.ChecksumMismatch }:
                    throw new InvalidOperationException("The terminal event's length or checksum did not match the text the events built (the catch-up had to repair it from the snapshot).");
                case Resynced:
                    Gaps++;
                    break;
            }
        }

        if (!_joined.Task.IsCompleted && _joinLength is { } joinLength && _text.Length >= joinLength)
        {
            _joined.TrySetResult(); // the join snapshot's text is shown; later text is live
        }
        else if (_joined.Task.IsCompleted && update is TextAppended && FirstLiveTextAppliedAt is null)
        {
            _liveTextCandidate = at;
        }
    }

    private sealed record ReceivedStreamEvent(DateTimeOffset At, StreamEvent Event, int Bytes);

    private List<ReceivedStreamEvent> Received() =>
    [
        .. _subscriber.Events()
            .Select(r => new ReceivedStreamEvent(r.At, JsonSerializer.Deserialize(r.Json, ContractsJsonContext.Default.StreamEvent)!, Encoding.UTF8.GetByteCount(r.Json)))
            .Where(r => r.Event.MessageId == _messageId),
    ];

    /// <summary>The terminal event, after checking the received events against the final text and the snapshots taken.</summary>
    private StreamEvent CheckedTerminal()
    {
        var text = Text;
        var received = Received().Select(r => r.Event).ToList();
        var finalTurn = received.Count == 0 ? 0 : received.Max(e => e.Turn);
        var terminal = received.LastOrDefault(e => e.Turn == finalTurn && e is TurnCompleted or TurnFailed or TurnCancelled)
            ?? FinalFrom(_snapshots.Served[^1]);
        var (length, checksum) = terminal switch
        {
            TurnCompleted c => (c.Length, c.Checksum),
            TurnFailed f => (f.Length, f.Checksum),
            TurnCancelled x => (x.Length, x.Checksum),
            _ => throw new InvalidOperationException("unreachable"),
        };
        Assert.Equal(length, text.Length);
        Assert.Equal(checksum, TextChecksum.Of(text));

        // Each text event continues where the event before it (or the snapshot at its seq) ended.
        var ends = new Dictionary<(int Turn, long Seq), long>();
        foreach (var snapshot in _snapshots.Served)
        {
            ends.TryAdd((snapshot.Turn, snapshot.Seq), snapshot.Text.Length);
        }

        foreach (var e in received.DistinctBy(e => (e.Turn, e.Seq)).OrderBy(e => (e.Turn, e.Seq)))
        {
            switch (e)
            {
                case TurnStarted started:
                    ends[(e.Turn, e.Seq)] = started.Offset;
                    break;
                case TextDelta delta:
                    if (ends.TryGetValue((e.Turn, e.Seq - 1), out var end))
                    {
                        Assert.True(end == delta.Offset, $"text event (turn {e.Turn}, seq {e.Seq}) starts at {delta.Offset}, the text before it ended at {end}");
                    }

                    ends[(e.Turn, e.Seq)] = delta.Offset + delta.Text.Length;
                    break;
                default:
                    if (ends.TryGetValue((e.Turn, e.Seq - 1), out var unchanged))
                    {
                        ends[(e.Turn, e.Seq)] = unchanged;
                    }

                    break;
            }
        }

        return terminal;
    }

    private static StreamEvent FinalFrom(ChatMessage m) => m.Status switch
    {
        MessageStatus.Completed => new TurnCompleted { ConversationId = m.ConversationId, MessageId = m.MessageId, Turn = m.Turn, Seq = m.Seq, StopReason = m.StopReason ?? "", Length = m.Text.Length, Checksum = m.Checksum ?? "" },
        MessageStatus.Cancelled => new TurnCancelled { ConversationId = m.ConversationId, MessageId = m.MessageId, Turn = m.Turn, Seq = m.Seq, Length = m.Text.Length, Checksum = m.Checksum ?? "" },
        _ => new TurnFailed { ConversationId = m.ConversationId, MessageId = m.MessageId, Turn = m.Turn, Seq = m.Seq, Status = m.Status, ErrorCode = m.Error?.Code ?? "", Message = m.Error?.Message ?? "", Retryable = m.Error?.Retryable ?? false, Length = m.Text.Length, Checksum = m.Checksum ?? "" },
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_pump is not null)
        {
            await _pump;
        }

        if (_subscription is not null)
        {
            await _subscription.DisposeAsync();
        }

        await _subscriber.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>The catch-up's snapshot source: the stored message, read from the table, as <c>getConversation</c> returns it.</summary>
    private sealed class StoredSnapshots(Func<Task<ChatMessage>> readStored) : IConversationSnapshots
    {
        private readonly List<ChatMessage> _served = [];

        /// <summary>Every stored message handed to the catch-up, in order (the first is the join snapshot).</summary>
        public IReadOnlyList<ChatMessage> Served
        {
            get
            {
                lock (_served)
                {
                    return [.. _served];
                }
            }
        }

        public async Task<Conversation?> GetConversationAsync(string conversationId, int? messageLimit, CancellationToken cancellationToken)
        {
            var stored = await readStored();
            lock (_served)
            {
                _served.Add(stored);
            }

            return new Conversation
            {
                ConversationId = conversationId,
                Channel = ChatChannels.ForConversation(conversationId),
                ActiveMessageId = MessageStatus.IsFinal(stored.Status) ? null : stored.MessageId,
                Messages =
                [
                    new Message
                    {
                        MessageId = stored.MessageId,
                        Role = MessageRoles.Assistant,
                        Text = stored.Text,
                        Status = stored.Status,
                        Turn = stored.Turn,
                        Seq = stored.Seq,
                        Offset = stored.Text.Length,
                        CreatedAt = stored.CreatedAt,
                        UpdatedAt = stored.UpdatedAt,
                        StopReason = stored.StopReason,
                        Usage = stored.Usage,
                        Error = stored.Error is { } error ? new MessageError { Code = error.Code, Message = error.Message, Retryable = error.Retryable } : null,
                        Checksum = stored.Checksum,
                    },
                ],
            };
        }
    }
}
