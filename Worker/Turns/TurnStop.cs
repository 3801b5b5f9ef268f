namespace AppSyncChat.Worker.Turns;

/// <summary>Why a turn was stopped from outside the model loop.</summary>
public enum TurnStop
{
    None,
    Cancelled,
    FirstByteTimeout,
    Stalled,
    Deadline,
    LeaseLost,

    /// <summary>The answer reached <c>TurnOptions.AnswerMaxBytes</c>.</summary>
    AnswerTooLarge,
}

/// <summary>
/// The token the model call, tools and retry delays observe, and the first reason it was cancelled for
/// (the cancel poller, the watchdog, the deadline timer and the checkpointer race; the first one wins).
/// </summary>
internal sealed class TurnAbort : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private int _reason;

    public TurnAbort(CancellationToken hostToken)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(hostToken);
    }

    public CancellationToken Token => _cts.Token;

    public TurnStop Reason => (TurnStop)Volatile.Read(ref _reason);

    public bool Stop(TurnStop reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)TurnStop.None) != (int)TurnStop.None)
        {
            return false;
        }

        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The turn already ended.
        }

        return true;
    }

    public void Dispose() => _cts.Dispose();
}
