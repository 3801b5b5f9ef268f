namespace AppSyncChat.Testing;

/// <summary>
/// The one test clock of the repository (written before Microsoft.Extensions.TimeProvider.Testing was served here;
/// the tests are written against the semantics below, so it stays).
/// Time moves only when a test calls <see cref="Advance"/> (or, with <see cref="AutoAdvance"/>, when code asks for a delay).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="GetTimestamp"/> counts ticks (<see cref="TimestampFrequency"/> = ticks per second) from 0 at the start
/// time, so it moves with <see cref="GetUtcNow"/> and <c>GetElapsedTime(0)</c> is the time advanced since construction.</item>
/// <item><see cref="Advance"/> runs due timers synchronously on the calling thread, one at a time in due order, with the
/// clock set to each timer's due time while its callback runs. A periodic timer is re-armed at due + period, and a timer
/// that a callback (re-)arms inside the advanced window fires again within the same <see cref="Advance"/>.</item>
/// <item>A timer armed with a due time of zero (or a negative one) is due now: it fires synchronously inside
/// <see cref="ITimer.Change"/> / <see cref="CreateTimer"/>, outside the clock's lock.</item>
/// <item>With <see cref="AutoAdvance"/>, every finite due time is recorded in <see cref="Delays"/>, the clock jumps by it
/// and the callback runs on the thread pool at once (one shot): backoff code runs without waiting and the test checks the
/// delays it asked for.</item>
/// <item>With <see cref="FireInsideChange"/>, every finite due time is recorded too, the clock jumps by it and the callback
/// runs synchronously inside <see cref="ITimer.Change"/>, before <c>Change</c> returns: the worst interleaving a real timer
/// allows (its thread wins the race against the caller's next instruction), made deterministic.</item>
/// </list>
/// </remarks>
public sealed class ManualTimeProvider(DateTimeOffset? start = null) : TimeProvider
{
    /// <summary>The start time when a test gives none: 2026-11-21 08:00 UTC.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly List<TimeSpan> _delays = [];
    private readonly DateTimeOffset _start = start ?? DefaultStart;
    private DateTimeOffset _now = start ?? DefaultStart;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When true, timers do not wait for <see cref="Advance"/>: see the remarks on the class.</summary>
    public bool AutoAdvance { get; init; }

    /// <summary>When true, an armed timer fires at once on the arming thread: see the remarks on the class.</summary>
    public bool FireInsideChange { get; init; }

    /// <summary>Every finite due time a timer was armed with, in order.</summary>
    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_gate)
            {
                return [.. _delays];
            }
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long GetTimestamp() => (GetUtcNow() - _start).Ticks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Timers armed (not disposed, with a due time).</summary>
    public int ArmedTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count;
            }
        }
    }

    /// <summary>Timers armed to fire within <paramref name="window"/> from now.</summary>
    public int TimersDueWithin(TimeSpan window)
    {
        lock (_gate)
        {
            var limit = _now + window;
            return _timers.Count(t => t.DueAt <= limit);
        }
    }

    /// <summary>The earliest armed deadline, if any.</summary>
    public DateTimeOffset? NextDue()
    {
        lock (_gate)
        {
            return _timers.Count == 0 ? null : _timers.Min(t => t.DueAt!.Value);
        }
    }

    /// <summary>Waits (real time) until some timer is armed at or after <paramref name="atLeast"/> from now; returns the earliest such due time.</summary>
    public async Task<DateTimeOffset> WaitForTimerAsync(TimeSpan atLeast, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var threshold = _now + atLeast;
                var candidates = _timers.Where(t => t.DueAt >= threshold).ToList();
                if (candidates.Count > 0)
                {
                    return candidates.Min(t => t.DueAt!.Value);
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Moves time forward by <paramref name="by"/>, running every timer that falls due on the way, in due order.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        while (true)
        {
            ManualTimer? next = null;
            lock (_gate)
            {
                foreach (var timer in _timers)
                {
                    // Strictly earlier only: among equal due times the first armed fires first.
                    if (timer.DueAt <= target && (next is null || timer.DueAt < next.DueAt))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    if (target > _now)
                    {
                        _now = target;
                    }

                    break;
                }

                var due = next.DueAt!.Value;
                if (due > _now)
                {
                    _now = due;
                }

                _timers.Remove(next);
                if (next.Period > TimeSpan.Zero)
                {
                    next.DueAt = due + next.Period;
                    _timers.Add(next);
                }
                else
                {
                    next.DueAt = null;
                }
            }

            next.Fire();
        }

        Signal();
    }

    /// <summary>
    /// Advances in steps of <paramref name="step"/> until <paramref name="condition"/> holds, letting the code under test
    /// run between steps; fails after <paramref name="maxVirtual"/> (default 10 min) of clock time or 20 s of real time.
    /// </summary>
    public async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan step, TimeSpan? maxVirtual = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = maxVirtual ?? TimeSpan.FromMinutes(10);
        var moved = TimeSpan.Zero;
        var started = DateTime.UtcNow;
        while (!condition())
        {
            if (moved >= limit)
            {
                throw new TimeoutException($"Condition not met after advancing {moved}.");
            }

            if (DateTime.UtcNow - started > TimeSpan.FromSeconds(20))
            {
                throw new TimeoutException("Condition not met within 20 s of real time.");
            }

            Advance(step);
            moved += step;
            await SettleAsync();
        }
    }

    /// <summary>Lets queued continuations run (a few thread-pool turns).</summary>
    public static async Task SettleAsync()
    {
        for (var i = 0; i < 5; i++)
        {
            await Task.Yield();
        }

        await Task.Delay(1);
    }

    private void Signal()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private long _generation;
        private bool _disposed;

        /// <summary>When the timer fires next; null when disarmed. Guarded by the owner's lock.</summary>
        public DateTimeOffset? DueAt { get; set; }

        /// <summary>Zero for a one-shot timer. Guarded by the owner's lock.</summary>
        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var fireNow = false;
            var fireInside = false;
            long autoGeneration = -1;
            lock (owner._gate)
            {
                if (_disposed)
                {
                    return false;
                }

                _generation++;
                owner._timers.Remove(this);
                Period = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? TimeSpan.Zero : period;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    DueAt = null;
                }
                else if (owner.FireInsideChange)
                {
                    var delay = dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime;
                    owner._delays.Add(delay);
                    owner._now += delay;
                    DueAt = null;
                    fireInside = true;
                }
                else if (owner.AutoAdvance)
                {
                    var delay = dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime;
                    owner._delays.Add(delay);
                    owner._now += delay;
                    DueAt = null;
                    autoGeneration = _generation;
                }
                else
                {
                    DueAt = owner._now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
                    owner._timers.Add(this);
                    fireNow = dueTime <= TimeSpan.Zero;
                }
            }

            if (fireInside)
            {
                callback(state);
            }
            else if (autoGeneration >= 0)
            {
                ThreadPool.QueueUserWorkItem(_ => FireIfCurrent(autoGeneration));
            }
            else if (fireNow)
            {
                owner.Advance(TimeSpan.Zero);
            }

            owner.Signal();
            return true;
        }

        public void Fire() => callback(state);

        private void FireIfCurrent(long generation)
        {
            lock (owner._gate)
            {
                if (_disposed || _generation != generation)
                {
                    return;
                }
            }

            callback(state);
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                _disposed = true;
                DueAt = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
