namespace AppSyncChat.Worker.Tests.Fakes;

/// <summary>A clock that moves only when a test says so; timers fire synchronously inside <see cref="Advance"/>.</summary>
public sealed class ManualTimeProvider(DateTimeOffset? start = null) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start ?? new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return _ticks;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Timers armed to fire within <paramref name="window"/> from now.</summary>
    public int TimersDueWithin(TimeSpan window)
    {
        lock (_gate)
        {
            return _timers.Count(t => t.DueAt is { } due && due <= _ticks + window.Ticks);
        }
    }

    public int ArmedTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(t => t.DueAt is not null);
            }
        }
    }

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        long target;
        lock (_gate)
        {
            target = _ticks + by.Ticks;
        }

        while (true)
        {
            ManualTimer? next = null;
            lock (_gate)
            {
                foreach (var timer in _timers)
                {
                    if (timer.DueAt is { } due && due <= target && (next is null || due < next.DueAt))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    _now += TimeSpan.FromTicks(target - _ticks);
                    _ticks = target;
                    return;
                }

                var dueAt = next.DueAt!.Value;
                _now += TimeSpan.FromTicks(dueAt - _ticks);
                _ticks = dueAt;
                next.DueAt = next.Period > TimeSpan.Zero ? dueAt + next.Period.Ticks : null;
            }

            next.Fire();
        }
    }

    /// <summary>Advances in steps until <paramref name="condition"/> holds (waiting for the code under test between steps).</summary>
    public async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan step, TimeSpan? maxVirtual = null)
    {
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
            await Wait.Settle();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long? DueAt { get; set; }

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                if (!owner._timers.Contains(this))
                {
                    owner._timers.Add(this);
                }

                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner._ticks + Math.Max(0, dueTime.Ticks);
            }

            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._gate)
            {
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

/// <summary>Waiting for asynchronous code under test to reach a state (conditions, never fixed sleeps).</summary>
public static class Wait
{
    /// <summary>Lets queued continuations run (a few thread-pool turns).</summary>
    public static async Task Settle()
    {
        for (var i = 0; i < 5; i++)
        {
            await Task.Yield();
        }

        await Task.Delay(1);
    }

    public static async Task UntilAsync(Func<bool> condition, string? what = null, TimeSpan? timeout = null)
    {
        var limit = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > limit)
            {
                throw new TimeoutException($"Timed out waiting for {what ?? "the condition"}.");
            }

            await Task.Delay(1);
        }
    }
}
