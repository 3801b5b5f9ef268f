namespace AppSyncChat.Worker.Turns;

/// <summary>
/// The token the model call, tools and retry delays observe, and the first ending a turn was stopped with from
/// outside the model loop (the cancel poll, the watchdog, the deadline timer and the checkpoints race; the first
/// one wins).
/// </summary>
internal sealed class TurnAbort : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private TurnEnding? _ending;

    public TurnAbort(CancellationToken hostToken)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(hostToken);
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>The ending the turn was stopped with; null while nothing stopped it.</summary>
    public TurnEnding? Ending => Volatile.Read(ref _ending);

    public bool Stop(TurnEnding ending)
    {
        ArgumentNullException.ThrowIfNull(ending);
        if (Interlocked.CompareExchange(ref _ending, ending, null) is not null)
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
