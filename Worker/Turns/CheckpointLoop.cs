using AppSyncChat.Conversations.Store;
using AppSyncChat.Worker.Publishing;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Stores the turn's text about every <c>CheckpointInterval</c> while it streams, so late joiners and reconnecting
/// viewers catch up from a recent snapshot. A write the store refuses means the lease is lost: the turn is stopped
/// <see cref="TurnEnding.LeaseLost"/>. A failed write is logged and the next one carries the text.
/// </summary>
internal sealed partial class CheckpointLoop(ITurnStore store, ClaimedTurn turn, EventCoalescer events, TurnAbort abort, TimeSpan interval, TimeProvider time, ILogger logger)
{
    /// <summary>Consecutive failed checkpoints (≈ 3 s at the default interval) after which the failure is an Error.</summary>
    internal const int EscalateAfter = 3;

    private readonly FailureStreak _failures = new(EscalateAfter);

    /// <summary>Failed checkpoints this turn (read after the loop was awaited).</summary>
    public int Failures => _failures.Total;

    public async Task RunAsync(CancellationToken stop)
    {
        var lastSeq = -1L;
        try
        {
            while (true)
            {
                if (events.FirstTextPublished.IsCompleted)
                {
                    await Task.Delay(interval, time, stop).ConfigureAwait(false);
                }
                else
                {
                    // The first checkpoint follows the first published text instead of a full interval: a viewer
                    // joining now finds live text in its snapshot, not only after the next checkpoint.
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    await Task.WhenAny(events.FirstTextPublished, Task.Delay(interval, time, wait.Token)).ConfigureAwait(false);
                    await wait.CancelAsync().ConfigureAwait(false);
                    stop.ThrowIfCancellationRequested();
                }

                var seq = events.Snapshot().Seq;
                if (seq == lastSeq)
                {
                    continue;
                }

                lastSeq = await WriteOnceAsync(stop).ConfigureAwait(false) ?? lastSeq;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes one checkpoint; returns its seq, or null when it was not written.</summary>
    public async Task<long?> WriteOnceAsync(CancellationToken stop)
    {
        var (text, seq) = events.Snapshot();
        var id = turn.Id;
        try
        {
            if (!await store.CheckpointAsync(id.ConversationId, id.MessageId, new Checkpoint(text, seq, id.Turn), turn.Lease, stop).ConfigureAwait(false))
            {
                abort.Stop(TurnEnding.LeaseLost);
                return null;
            }

            if (_failures.Succeeded() is > 0 and var streak)
            {
                LogCheckpointRecovered(logger, streak);
            }

            return seq;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var escalated = _failures.Failed();
            LogCheckpointFailed(logger, ex, _failures.Current, _failures.Total);
            if (escalated)
            {
                LogCheckpointsFailing(logger, _failures.Current);
            }

            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint failed ({Streak} in a row, {Total} this turn); the next one will carry the text")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception, int streak, int total);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Streak} checkpoints in a row failed: late joiners and reconnecting viewers see stale text until one succeeds")]
    private static partial void LogCheckpointsFailing(ILogger logger, int streak);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoints work again after {Streak} failures in a row")]
    private static partial void LogCheckpointRecovered(ILogger logger, int streak);
}
