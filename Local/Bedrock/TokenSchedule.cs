namespace AppSyncChat.Local.Bedrock;

/// <summary>
/// When each output slot is due: the first at receive time + time to first token, then one every
/// 1/rate seconds; a stall at text token <see cref="At"/> shifts it and everything after. Driven by a
/// <see cref="TimeProvider"/>, so tests can use a manual clock and the benchmark the real one.
/// </summary>
internal sealed class TokenSchedule(TimeProvider time, RequestRecord record, TimeSpan timeToFirstToken, double tokensPerSecond, TimeSpan? stall, int at)
{
    private readonly DateTimeOffset _start = time.GetUtcNow();
    private TimeSpan _shift;
    private bool _stalled;

    public int At => at;

    public RequestRecord Record => record;

    public long ElapsedMilliseconds => (long)(time.GetUtcNow() - _start).TotalMilliseconds;

    public Task WaitForTextTokenAsync(int index, CancellationToken cancellationToken)
    {
        if (stall is { } pause && index >= at && !_stalled)
        {
            _stalled = true;
            _shift += pause;
        }

        return WaitForSlotAsync(index, cancellationToken);
    }

    public async Task WaitForSlotAsync(int slot, CancellationToken cancellationToken)
    {
        var due = _start + timeToFirstToken + _shift + TimeSpan.FromSeconds(slot / tokensPerSecond);
        var delay = due - time.GetUtcNow();
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
