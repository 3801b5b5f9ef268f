using AppSyncChat.Conversations.Store;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Publishing;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Watches a streaming turn from outside the model loop: the deadline timer, the model watchdog, the
/// <see cref="CheckpointLoop"/> and the <see cref="CancelPoll"/>. Whichever stops the turn first decides its
/// <see cref="TurnEnding"/> (<see cref="TurnAbort"/>); an unexpected exception ends it InternalError. When the
/// host goes away (hard deadline or shutdown) nothing is decided: the lease expires and the record's
/// redelivery takes the turn over.
/// </summary>
internal sealed partial class TurnSupervision : IDisposable
{
    private readonly ClaimedTurn _turn;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _hostToken;
    private readonly CancellationTokenSource _sideLoops;
    private readonly CheckpointLoop _checkpoints;
    private readonly CancelPoll _cancelPoll;

    public TurnSupervision(ClaimedTurn turn, EventCoalescer events, ITurnStore store, TurnOptions options, TimeProvider time, ILogger logger, CancellationToken hostToken)
    {
        _turn = turn;
        _time = time;
        _logger = logger;
        _hostToken = hostToken;
        Abort = new TurnAbort(hostToken);
        Watchdog = new ModelWatchdog(time, options.FirstByteTimeout, options.BetweenBytesTimeout, ending => Abort.Stop(ending));
        _sideLoops = CancellationTokenSource.CreateLinkedTokenSource(hostToken);
        _checkpoints = new CheckpointLoop(store, turn, events, Abort, options.CheckpointInterval, time, logger);
        _cancelPoll = new CancelPoll(store, turn, Abort, options.CancelPollInterval, time, logger);
    }

    /// <summary>The token the model call, tools and retry delays observe, and the ending the turn was stopped with.</summary>
    public TurnAbort Abort { get; }

    /// <summary>The first-byte and between-bytes timeouts of each model call.</summary>
    public ModelWatchdog Watchdog { get; }

    public int CheckpointFailures => _checkpoints.Failures;

    public int CancelPollFailures => _cancelPoll.Failures;

    /// <summary>Runs <paramref name="streaming"/> (the prompt and the model loop) watched; returns how the turn ended.</summary>
    public async Task<TurnEnding> RunAsync(Func<Task<TurnEnding>> streaming)
    {
        Task checkpoints = Task.CompletedTask;
        Task cancelPoll = Task.CompletedTask;
        TurnEnding ending;
        try
        {
            using var deadlineTimer = _time.CreateTimer(static s => ((TurnAbort)s!).Stop(TurnEnding.DeadlineExceeded), Abort, Max(_turn.Deadline - _time.GetUtcNow(), TimeSpan.Zero), Timeout.InfiniteTimeSpan);
            if (_turn.TakenOver)
            {
                // The snapshot must show the new turn at once, so catching-up viewers reset to the kept prefix.
                await _checkpoints.WriteOnceAsync(_hostToken).ConfigureAwait(false);
            }

            checkpoints = _checkpoints.RunAsync(_sideLoops.Token);
            cancelPoll = _cancelPoll.RunAsync(_sideLoops.Token);
            ending = await streaming().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_hostToken.IsCancellationRequested)
        {
            // The host is going away (hard deadline or shutdown): leave the lease to expire; the record's
            // redelivery takes the turn over.
            await StopSideLoopsAsync(checkpoints, cancelPoll).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException) when (Abort.Ending is { } stopped)
        {
            ending = stopped;
        }
        catch (Exception ex)
        {
            LogInternalError(_logger, ex);
            ending = new TurnEnding.Failed(TurnErrorCodes.InternalError, "The worker failed while producing this answer.", Retryable: true);
        }

        await StopSideLoopsAsync(checkpoints, cancelPoll).ConfigureAwait(false);
        return ending;
    }

    public void Dispose()
    {
        _sideLoops.Dispose();
        Watchdog.Dispose();
        Abort.Dispose();
    }

    private async Task StopSideLoopsAsync(Task checkpoints, Task cancelPoll)
    {
        await _sideLoops.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(checkpoints, cancelPoll).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Error, Message = "The worker failed while producing the turn")]
    private static partial void LogInternalError(ILogger logger, Exception exception);
}
