using AppSyncChat.Conversations.Store;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Reads the message's cancel flag every <c>CancelPollInterval</c> while the turn streams (docs/cancellation.md);
/// once stopGeneration is seen the turn is stopped <see cref="TurnEnding.CancelRequested"/>. A failed read is
/// logged and the next poll tries again.
/// </summary>
internal sealed partial class CancelPoll(ITurnStore store, ClaimedTurn turn, TurnAbort abort, TimeSpan interval, TimeProvider time, ILogger logger)
{
    /// <summary>Consecutive failed cancel-flag reads (≈ 1 s at the default 250 ms poll) after which the failure is an Error.</summary>
    internal const int EscalateAfter = 4;

    private readonly FailureStreak _failures = new(EscalateAfter);

    /// <summary>Failed reads this turn (read after the loop was awaited).</summary>
    public int Failures => _failures.Total;

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, stop).ConfigureAwait(false);
                try
                {
                    var requested = await store.IsCancelRequestedAsync(turn.Id.ConversationId, turn.Id.MessageId, stop).ConfigureAwait(false);
                    if (_failures.Succeeded() is > 0 and var streak)
                    {
                        LogCancelPollRecovered(logger, streak);
                    }

                    if (requested)
                    {
                        LogCancelSeen(logger);
                        abort.Stop(TurnEnding.CancelRequested);
                        return;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    var escalated = _failures.Failed();
                    LogCancelPollFailed(logger, ex, _failures.Current, _failures.Total);
                    if (escalated)
                    {
                        LogCancelPollsFailing(logger, _failures.Current);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "stopGeneration seen; stopping the model")]
    private static partial void LogCancelSeen(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the cancel flag failed ({Streak} in a row, {Total} this turn); polling again")]
    private static partial void LogCancelPollFailed(ILogger logger, Exception exception, int streak, int total);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Streak} cancel-flag reads in a row failed: stopGeneration cannot be seen for this turn until one succeeds")]
    private static partial void LogCancelPollsFailing(ILogger logger, int streak);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading the cancel flag works again after {Streak} failures in a row")]
    private static partial void LogCancelPollRecovered(ILogger logger, int streak);
}
