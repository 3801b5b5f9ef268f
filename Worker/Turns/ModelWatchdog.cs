namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Watches one model call for the first-byte and between-bytes timeouts. Per update the model loop only
/// stores a timestamp (<see cref="Touch"/>); one periodic timer per turn compares, so there is no
/// per-token timer or allocation.
/// </summary>
internal sealed class ModelWatchdog : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _firstByte;
    private readonly TimeSpan _betweenBytes;
    private readonly Action<TurnEnding> _onTimeout;
    private readonly ITimer _timer;
    private readonly TimeSpan _tick;
    private long _armedAt;
    private long _lastActivity;
    private int _armed;
    private int _sawByte;

    public ModelWatchdog(TimeProvider time, TimeSpan firstByte, TimeSpan betweenBytes, Action<TurnEnding> onTimeout)
    {
        _time = time;
        _firstByte = firstByte;
        _betweenBytes = betweenBytes;
        _onTimeout = onTimeout;
        var shortest = firstByte < betweenBytes ? firstByte : betweenBytes;
        _tick = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.FromMilliseconds(5).Ticks, TimeSpan.FromMilliseconds(250).Ticks));
        _timer = time.CreateTimer(static s => ((ModelWatchdog)s!).Check(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A model call starts: the first-byte clock runs.</summary>
    public void Arm()
    {
        var now = _time.GetTimestamp();
        Volatile.Write(ref _armedAt, now);
        Volatile.Write(ref _lastActivity, now);
        Volatile.Write(ref _sawByte, 0);
        Volatile.Write(ref _armed, 1);
        _timer.Change(_tick, _tick);
    }

    /// <summary>Something arrived from the model.</summary>
    public void Touch()
    {
        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
        if (_sawByte == 0)
        {
            Volatile.Write(ref _sawByte, 1);
        }
    }

    /// <summary>The call ended (or a tool runs): stop watching.</summary>
    public void Disarm()
    {
        Volatile.Write(ref _armed, 0);
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        if (Volatile.Read(ref _armed) == 0)
        {
            return;
        }

        if (Volatile.Read(ref _sawByte) == 0)
        {
            if (_time.GetElapsedTime(Volatile.Read(ref _armedAt)) >= _firstByte)
            {
                Fire(TurnEnding.FirstByteTimeout(_firstByte));
            }
        }
        else if (_time.GetElapsedTime(Volatile.Read(ref _lastActivity)) >= _betweenBytes)
        {
            Fire(TurnEnding.Stalled(_betweenBytes));
        }
    }

    private void Fire(TurnEnding ending)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            _onTimeout(ending);
        }
    }
}
