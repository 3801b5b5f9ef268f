using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Worker.Publishing;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Step 4 of a turn: makes its <see cref="TurnEnding"/> final. The final state (<see cref="TurnOutcome"/>, the
/// store's record) is stored first, then the terminal event is announced: a viewer that receives it and re-reads
/// the message finds the message final. A turn whose lease was lost ends quietly: another worker owns it.
/// </summary>
internal sealed partial class TurnFinish(ITurnStore store, TimeProvider time, ILogger logger)
{
    /// <summary>Stops publishing without a terminal event; the events not yet published are discarded.</summary>
    public async Task<TurnResult> AbandonAsync(ClaimedTurn turn, EventCoalescer events)
    {
        await events.AbandonAsync().ConfigureAwait(false);
        LogLeaseLost(logger, turn.Id.Turn);
        return new TurnResult(TurnResultKind.LeaseLost);
    }

    /// <summary>Seals the text, stores the final state, and announces it only once it is stored.</summary>
    public async Task<(TurnResult Result, TurnOutcome Outcome)> StoreAndAnnounceAsync(ClaimedTurn turn, EventCoalescer events, TurnEnding ending, CancellationToken hostToken)
    {
        // Text events keep flowing while the final state is stored.
        var (text, terminal) = events.Seal((t, seq, finalText) => Terminal(t, seq, finalText, ending));
        var outcome = Outcome(terminal, text, ending);
        var (result, stored) = await StoreAsync(turn, outcome, hostToken).ConfigureAwait(false);
        if (stored)
        {
            await events.PublishTerminalAsync(terminal).ConfigureAwait(false);
        }
        else
        {
            // Lease lost (another worker owns the turn) or the store is down (the record is retried and the
            // turn taken over): announcing an end that is not stored would mislead viewers.
            await events.AbandonAsync().ConfigureAwait(false);
        }

        return (result, outcome);
    }

    private static StreamEvent Terminal(TurnIdentity t, long seq, string text, TurnEnding ending)
    {
        var checksum = TextChecksum.Of(text);
        return ending switch
        {
            TurnEnding.Completed completed => new TurnCompleted
            {
                ConversationId = t.ConversationId,
                MessageId = t.MessageId,
                Turn = t.Turn,
                Seq = seq,
                StopReason = completed.StopReason,
                Usage = completed.Usage,
                Length = text.Length,
                Checksum = checksum,
            },
            TurnEnding.Cancelled => new TurnCancelled
            {
                ConversationId = t.ConversationId,
                MessageId = t.MessageId,
                Turn = t.Turn,
                Seq = seq,
                Length = text.Length,
                Checksum = checksum,
            },
            TurnEnding.Failed failed => new TurnFailed
            {
                ConversationId = t.ConversationId,
                MessageId = t.MessageId,
                Turn = t.Turn,
                Seq = seq,
                Status = text.Length > 0 ? MessageStatus.Interrupted : MessageStatus.Failed,
                ErrorCode = failed.ErrorCode,
                Message = failed.Message,
                Retryable = failed.Retryable,
                Length = text.Length,
                Checksum = checksum,
            },
            _ => throw new InvalidOperationException($"A turn that ended {ending} has no terminal event."),
        };
    }

    private static TurnOutcome Outcome(StreamEvent terminal, string text, TurnEnding ending)
    {
        var status = terminal switch
        {
            TurnCompleted => MessageStatus.Completed,
            TurnCancelled => MessageStatus.Cancelled,
            TurnFailed failed => failed.Status,
            _ => throw new InvalidOperationException("Not a terminal event."),
        };
        var error = terminal is TurnFailed f ? new MessageError(f.ErrorCode, f.Message, f.Retryable) : null;
        var completed = ending as TurnEnding.Completed;
        return new TurnOutcome(status, text, terminal.Seq, terminal.Turn, completed?.StopReason, completed?.Usage, error, TextChecksum.Of(text));
    }

    /// <summary>Stores the final state; <c>Stored</c> says whether it is stored (and may be announced), whatever the result.</summary>
    private async Task<(TurnResult Result, bool Stored)> StoreAsync(ClaimedTurn turn, TurnOutcome outcome, CancellationToken hostToken)
    {
        var id = turn.Id;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var stored = await store.FinishAsync(id.ConversationId, id.MessageId, outcome, turn.Lease, hostToken).ConfigureAwait(false);
                if (!stored)
                {
                    LogLeaseLost(logger, id.Turn);
                    return (new TurnResult(TurnResultKind.LeaseLost, outcome.Status), false);
                }

                return (new TurnResult(TurnResultKind.Finished, outcome.Status), true);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < 3)
            {
                LogStoreRetry(logger, ex, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), time, hostToken).ConfigureAwait(false);
            }
            catch (ConversationNotReleasedException ex)
            {
                // The end is stored; only freeing the conversation failed. Viewers get the terminal event (they
                // would otherwise learn the end only from their idle re-check), and the record comes back so its
                // claim repairs the conversation.
                LogReleaseFailed(logger, ex);
                return (new TurnResult(TurnResultKind.Retry, outcome.Status, "The conversation could not be released."), true);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The events went out but the state did not: the record comes back after the visibility
                // timeout, finds the lease expired and takes the turn over.
                LogFinishFailed(logger, ex);
                return (new TurnResult(TurnResultKind.Retry, outcome.Status, "The final state could not be stored."), false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease lost during turn {Turn}: another worker took over; stopped without a final event")]
    private static partial void LogLeaseLost(ILogger logger, int turn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the final state failed (attempt {Attempt}); retrying")]
    private static partial void LogStoreRetry(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing the final state failed; the record will be retried and the turn taken over")]
    private static partial void LogFinishFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The final state is stored but the conversation could not be released; announcing the end, the record will be retried to repair it")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);
}
