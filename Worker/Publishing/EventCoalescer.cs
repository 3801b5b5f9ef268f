using System.Text;
using System.Text.Json;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Worker.Publishing;

/// <summary>Identity of one turn's events.</summary>
public sealed record TurnIdentity(string ConversationId, string MessageId, int Turn);

/// <summary>
/// Merges one turn's model text into as few events as liveness allows, and orders it with the turn's
/// other events. The model loop appends text and enqueues non-text events; a single pump task turns them
/// into <see cref="StreamEvent"/>s (assigning <c>seq</c> gap-free and <c>offset</c> exactly) and publishes
/// them, one publish at a time.
/// <para>
/// When pending text becomes events is the <see cref="IPublishPolicy"/>'s decision; production's is
/// <see cref="CoalescingPolicy"/>: the first text of the turn (and the first after a non-text event) leaves at
/// once; later text waits until its window has passed since its first character, or enough characters are
/// pending, or a non-text event arrives. While a publish is in flight text keeps merging, so a slow channel
/// gets fewer, bigger publishes (back-pressure); events leave in seq order, one publish at a time (viewers may still receive
/// them out of order or twice: see <see cref="EventBatchPublisher"/>). Text is materialized into events only when it is
/// about to be published, which is what makes the merging free: appending a token is one
/// <see cref="StringBuilder.Append(string)"/> into a reused buffer, with no per-token event, task or timer.
/// </para>
/// <para>No event passes 240 KB (text is split, never inside a surrogate pair); at most
/// <see cref="IPublishPolicy.MaxEventsPerPublish"/> events go in one publish.</para>
/// <para>Events of a publish that failed after the publisher's retries go back to the front of the outbox and
/// ride with the next publish, once: dropping them at once would leave viewers without that text until the next
/// checkpoint (a live-stream freeze of about a second). A second failure, or a failure once the turn is sealed,
/// drops them (a seq gap viewers repair from the snapshot), so the end of a turn is never delayed by more than
/// the publish in flight and one more (<c>WorkerOptions.EndOfTurnWorstCase</c>).</para>
/// </summary>
public sealed class EventCoalescer : IAsyncDisposable
{
    private readonly TurnIdentity _id;
    private readonly string _channel;
    private readonly IPublishPolicy _policy;
    private readonly TimeProvider _time;
    private readonly EventBatchPublisher _publisher;
    private readonly int _textBudgetBytes;
    private readonly Lock _gate = new();
    private readonly StringBuilder _text;
    private readonly StringBuilder _pending = new();
    private readonly Queue<StreamEvent> _outbox = new();
    private readonly ITimer _windowTimer;
    private readonly long _startOffset;
    private long _nextSeq;
    private long _pendingSince;
    private bool _firstSinceEvent = true;
    private bool _completing;
    private bool _sealed;
    private bool _started;
    private TaskCompletionSource? _wake;
    private bool _wakeRequested;
    private readonly TaskCompletionSource _firstTextPublished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _drained;
    private bool _inFlight;
    private Task? _pump;

    /// <summary>How many events at the front of the outbox are being sent a second time (after a failed publish).</summary>
    private int _carried;

    internal EventCoalescer(
        TurnIdentity id,
        string channel,
        string startText,
        IPublishPolicy policy,
        EventBatchPublisher publisher,
        TimeProvider time)
    {
        _id = id;
        _channel = channel;
        _policy = policy;
        _publisher = publisher;
        _time = time;
        _text = new StringBuilder(startText, Math.Max(256, startText.Length * 2));
        _startOffset = startText.Length;
        _textBudgetBytes = StreamEventTypes.MaxEventBytes - EnvelopeBytes(id);
        _windowTimer = time.CreateTimer(static s => ((EventCoalescer)s!).OnWindowElapsed(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public TurnIdentity Identity => _id;

    /// <summary>Characters of the message so far (kept prefix + all text appended), published or not.</summary>
    public long Length
    {
        get
        {
            lock (_gate)
            {
                return _text.Length + _pending.Length;
            }
        }
    }

    /// <summary>True once any text was appended in this turn (model retries are no longer invisible).</summary>
    public bool HasNewText
    {
        get
        {
            lock (_gate)
            {
                return _text.Length + _pending.Length > _startOffset;
            }
        }
    }

    /// <summary>Completes once a publish that carried text of this turn has returned (the checkpoint loop's cue).</summary>
    public Task FirstTextPublished => _firstTextPublished.Task;

    /// <summary>Starts publishing; the first event enqueued should be <c>turn.started</c>.</summary>
    public void Start(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("The coalescer was already started.");
            }

            _started = true;
        }

        _pump = Task.Run(() => PumpAsync(cancellationToken), CancellationToken.None);
    }

    /// <summary>Appends model text. Cheap: no event, task or timer is created per call.</summary>
    public void AppendText(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        lock (_gate)
        {
            ThrowIfSealed();
            if (_pending.Length == 0)
            {
                _pendingSince = _time.GetTimestamp();
            }

            _pending.Append(text);
            switch (_policy.AfterAppend(PendingLocked(text.Length)))
            {
                case PendingTextStep.WakePublisher:
                    WakeLocked();
                    break;
                case PendingTextStep.Release:
                    MaterializePendingLocked(final: false);
                    WakeLocked();
                    break;
                case PendingTextStep.Keep:
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// Enqueues a non-text event (its <c>seq</c> is assigned here, after any text appended before it).
    /// Pending text is flushed first, so the event never overtakes text.
    /// </summary>
    public T Enqueue<T>(Func<TurnIdentity, long, T> create)
        where T : StreamEvent
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (_gate)
        {
            ThrowIfSealed();
            if (_policy.ReleaseBeforeEvent)
            {
                MaterializePendingLocked(final: false);
            }

            var evt = create(_id, _nextSeq++);
            _outbox.Enqueue(evt);
            _firstSinceEvent = true;
            WakeLocked();
            return evt;
        }
    }

    /// <summary>
    /// The state a checkpoint stores: the text of every event created so far and the last event's seq.
    /// Events created but not yet published are included; a client applying the snapshot ignores them by seq.
    /// </summary>
    public (string Text, long Seq) Snapshot()
    {
        lock (_gate)
        {
            return (_text.ToString(), _nextSeq - 1);
        }
    }

    /// <summary>
    /// Flushes all text, enqueues the terminal event built from the final text (and its seq), and waits
    /// until every event was published. Returns the final text and the terminal event.
    /// </summary>
    public async Task<(string Text, StreamEvent Terminal)> CompleteAsync(Func<TurnIdentity, long, string, StreamEvent> terminal)
    {
        var sealedTurn = Seal(terminal);
        await PublishTerminalAsync(sealedTurn.Terminal).ConfigureAwait(false);
        return sealedTurn;
    }

    /// <summary>
    /// Ends the text: everything pending becomes events (published as usual), no more text or events are
    /// accepted, and the terminal event is built with the next seq — but not published yet, so the final
    /// state can be stored first and a viewer that sees the terminal event finds the store final too.
    /// </summary>
    public (string Text, StreamEvent Terminal) Seal(Func<TurnIdentity, long, string, StreamEvent> terminal)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        lock (_gate)
        {
            ThrowIfSealed();
            DropCarriedLocked();
            MaterializePendingLocked(final: true);
            var text = _text.ToString();
            var evt = terminal(_id, _nextSeq++, text);
            _sealed = true;
            WakeLocked();
            return (text, evt);
        }
    }

    /// <summary>Publishes the terminal event made by <see cref="Seal"/> after every earlier event, and waits for all of them.</summary>
    public async Task PublishTerminalAsync(StreamEvent terminal)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        lock (_gate)
        {
            ThrowIfCompleting();
            _outbox.Enqueue(terminal);
            _completing = true;
            WakeLocked();
        }

        if (_pump is not null)
        {
            await _pump.ConfigureAwait(false);
        }
    }

    /// <summary>The text appended since <paramref name="start"/> (a position from <see cref="Length"/>), published or not.</summary>
    public string TextSince(long start)
    {
        lock (_gate)
        {
            var from = (int)Math.Clamp(start, 0, _text.Length + _pending.Length);
            if (from >= _text.Length)
            {
                return _pending.ToString(from - _text.Length, _pending.Length - (from - _text.Length));
            }

            return string.Concat(_text.ToString(from, _text.Length - from), _pending.ToString());
        }
    }

    /// <summary>
    /// Stops publishing without a terminal event (the lease was lost: another worker owns the turn now).
    /// Events not yet published are discarded; a publish in flight is awaited.
    /// </summary>
    public async Task AbandonAsync()
    {
        lock (_gate)
        {
            _completing = true;
            _outbox.Clear();
            _pending.Clear();
            WakeLocked();
        }

        if (_pump is not null)
        {
            await _pump.ConfigureAwait(false);
        }
    }

    /// <summary>Waits until everything enqueued so far was published (used by tests and before long pauses).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_outbox.Count == 0 && !_inFlight)
                {
                    return;
                }

                _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _drained.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _windowTimer.DisposeAsync().ConfigureAwait(false);
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        var batch = new List<StreamEvent>(_policy.MaxEventsPerPublish);
        while (true)
        {
            Task? wait = null;
            var carriedInBatch = 0;
            lock (_gate)
            {
                // Every wake-up so far is answered by the look at the state below. One that arrives while we
                // look (a timer may fire inside Change, on this thread) sets the flag again, so we look again
                // instead of sleeping.
                _wakeRequested = false;
                if (_pending.Length > 0 && _policy.ReleaseAfter(PendingLocked(appended: 0)) is { } releaseAfter)
                {
                    if (releaseAfter <= TimeSpan.Zero)
                    {
                        MaterializePendingLocked(final: false);
                    }
                    else if (_outbox.Count == 0)
                    {
                        _windowTimer.Change(releaseAfter, Timeout.InfiniteTimeSpan);
                    }
                }

                while (_outbox.Count > 0 && batch.Count < _policy.MaxEventsPerPublish)
                {
                    batch.Add(_outbox.Dequeue());
                }

                // Carried events are at most one batch and at the front: this batch takes them all.
                carriedInBatch = Math.Min(_carried, batch.Count);
                _carried -= carriedInBatch;

                _inFlight = batch.Count > 0;
                if (batch.Count == 0)
                {
                    var drained = _drained;
                    _drained = null;
                    drained?.TrySetResult();
                    if (_completing)
                    {
                        return;
                    }

                    if (_wakeRequested)
                    {
                        continue;
                    }

                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _wake.Task;
                }
            }

            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var undelivered = await _publisher.PublishAsync(_channel, batch, cancellationToken).ConfigureAwait(false);
            if (!_firstTextPublished.Task.IsCompleted && batch.Exists(e => e is TextDelta && !undelivered.Contains(e)))
            {
                _firstTextPublished.TrySetResult();
            }

            if (undelivered.Count > 0)
            {
                CarryOrDrop(undelivered, batch.Take(carriedInBatch).ToHashSet());
            }

            batch.Clear();
        }
    }

    /// <summary>
    /// Puts events of a failed publish back at the front of the outbox for one more try; events that already had
    /// theirs, and any once the turn is sealed, are dropped.
    /// </summary>
    private void CarryOrDrop(IReadOnlyList<StreamEvent> undelivered, HashSet<StreamEvent> carriedBefore)
    {
        List<StreamEvent> carry;
        int dropped;
        lock (_gate)
        {
            carry = _sealed || _completing ? [] : [.. undelivered.Where(e => !carriedBefore.Contains(e))];
            dropped = undelivered.Count - carry.Count;
            if (carry.Count > 0)
            {
                var later = _outbox.ToArray();
                _outbox.Clear();
                foreach (var e in carry.Concat(later))
                {
                    _outbox.Enqueue(e);
                }

                _carried = carry.Count;
            }
        }

        if (dropped > 0)
        {
            _publisher.Drop(_channel, dropped);
        }
    }

    /// <summary>At the seal, carried events are dropped: the end of the turn waits for no more than one extra publish.</summary>
    private void DropCarriedLocked()
    {
        if (_carried == 0)
        {
            return;
        }

        for (var i = 0; i < _carried; i++)
        {
            _outbox.Dequeue();
        }

        _publisher.Drop(_channel, _carried);
        _carried = 0;
    }

    /// <summary>
    /// The window timer's callback. It runs on a timer thread, so it takes the lock like every other wake-up:
    /// a wake-up that does not could land between the pump arming the timer and starting to wait, and be lost
    /// (pending text would then wait for the next append that starts a window, or the end of the turn).
    /// </summary>
    private void OnWindowElapsed()
    {
        lock (_gate)
        {
            WakeLocked();
        }
    }

    /// <summary>Tells the pump to look at the state again. Called with <see cref="_gate"/> held.</summary>
    private void WakeLocked()
    {
        _wakeRequested = true;
        var wake = _wake;
        _wake = null;
        wake?.TrySetResult();
    }

    /// <summary>Turns pending text into text events (one, unless it must be split to fit 240 KB).</summary>
    private void MaterializePendingLocked(bool final)
    {
        var sendable = _pending.Length;
        if (!final && sendable > 0 && char.IsHighSurrogate(_pending[sendable - 1]))
        {
            // The low half of this surrogate pair has not arrived yet: keep it for the next event.
            sendable--;
        }

        if (sendable == 0)
        {
            return;
        }

        var chunk = _pending.ToString(0, sendable);
        _pending.Remove(0, sendable);
        if (_pending.Length > 0)
        {
            _pendingSince = _time.GetTimestamp();
        }

        var span = chunk.AsSpan();
        while (span.Length > 0)
        {
            var take = EventText.FittingPrefix(span, _textBudgetBytes);
            var piece = take == chunk.Length ? chunk : span[..take].ToString();
            _outbox.Enqueue(new TextDelta
            {
                ConversationId = _id.ConversationId,
                MessageId = _id.MessageId,
                Turn = _id.Turn,
                Seq = _nextSeq++,
                Offset = _text.Length,
                Text = piece,
            });
            _text.Append(piece);
            span = span[take..];
        }

        _firstSinceEvent = false;
    }

    /// <summary>The pending text as the policy sees it. Called with <see cref="_gate"/> held.</summary>
    private PendingText PendingLocked(int appended) => new(_pending, appended, _firstSinceEvent, _time, _pendingSince);

    private void ThrowIfCompleting()
    {
        if (_completing)
        {
            throw new InvalidOperationException("The turn's terminal event was already enqueued.");
        }
    }

    private void ThrowIfSealed()
    {
        ThrowIfCompleting();
        if (_sealed)
        {
            throw new InvalidOperationException("The turn's text was already sealed.");
        }
    }

    private static int EnvelopeBytes(TurnIdentity id)
    {
        // The serialized size of an empty text event of this turn, plus room for the digits of large seq/offset values.
        var probe = new TextDelta { ConversationId = id.ConversationId, MessageId = id.MessageId, Turn = id.Turn, Seq = 0, Offset = 0, Text = string.Empty };
        return Encoding.UTF8.GetByteCount(JsonSerializer.Serialize<StreamEvent>(probe, ContractsJsonContext.Default.StreamEvent)) + 64;
    }
}
