using System.Diagnostics.CodeAnalysis;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Publishing;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Step 1 of a turn: take the assistant message's lease (a conditional write), or say why this delivery runs
/// no turn. A takeover (the previous worker's lease expired) runs as the next turn number, from the kept
/// prefix when <see cref="TakeoverMode.Continue"/> is set.
/// </summary>
internal sealed partial class TurnClaimer(ITurnStore store, TurnOptions options, string workerId, TimeProvider time, ILogger logger)
{
    public async Task<TurnClaim> ClaimAsync(ChatTurnRequest request, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var turnDeadline = deadline - options.DeadlineMargin;
        if (turnDeadline - time.GetUtcNow() < TimeSpan.FromSeconds(1))
        {
            return TurnClaim.None(new TurnResult(TurnResultKind.Retry, Detail: "Too close to the invocation deadline to start a turn."));
        }

        var lease = new TurnLease($"{workerId}/{request.RequestId}", deadline - options.LeaseMargin);
        var claim = await store.ClaimAsync(request.ConversationId, request.AssistantMessageId, request.Turn, lease, cancellationToken).ConfigureAwait(false);
        switch (claim.Status)
        {
            case ClaimStatus.AlreadyFinal:
                LogDuplicate(logger, claim.Message?.Status ?? "final");
                return TurnClaim.None(new TurnResult(TurnResultKind.AlreadyFinal, claim.Message?.Status));
            case ClaimStatus.LeaseHeld:
                LogLeaseHeld(logger, claim.Message?.Lease?.ExpiresAt);
                return TurnClaim.None(new TurnResult(TurnResultKind.LeaseHeld, MessageStatus.Streaming));
            case ClaimStatus.NotFound:
                LogNotFound(logger);
                return TurnClaim.None(new TurnResult(TurnResultKind.NotFound));
            case ClaimStatus.Claimed:
            case ClaimStatus.TakenOver:
                break;
            default:
                throw new InvalidOperationException($"Unknown claim status {claim.Status}.");
        }

        var takenOver = claim.Status == ClaimStatus.TakenOver;
        var turn = takenOver ? Math.Max(request.Turn, claim.Message?.Turn ?? request.Turn) + 1 : request.Turn;
        var startText = takenOver && options.TakeoverMode == TakeoverMode.Continue && claim.Message is { } previous
            ? ConversationPrompt.ContinuablePrefix(previous.Text)
            : string.Empty;
        if (takenOver)
        {
            LogTakeover(logger, claim.Message?.Turn ?? 0, turn, startText.Length);
        }

        return TurnClaim.Claimed(new ClaimedTurn(request, new TurnIdentity(request.ConversationId, request.AssistantMessageId, turn), lease, startText, takenOver, turnDeadline));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Duplicate delivery: the message is already {Status}; nothing to do")]
    private static partial void LogDuplicate(ILogger logger, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another worker holds the turn until {ExpiresAt}; the record will be retried after the visibility timeout")]
    private static partial void LogLeaseHeld(ILogger logger, DateTimeOffset? expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The assistant message does not exist (deleted conversation?); the request is dropped")]
    private static partial void LogNotFound(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Took over turn {PreviousTurn} after its lease expired; continuing as turn {Turn} from offset {Offset}")]
    private static partial void LogTakeover(ILogger logger, int previousTurn, int turn, int offset);
}

/// <summary>
/// A turn this worker holds the lease of: the request it answers, its identity (a takeover's turn number),
/// the lease, the kept prefix it continues from, and the deadline it must end by (the invocation's minus the margin).
/// </summary>
internal sealed record ClaimedTurn(ChatTurnRequest Request, TurnIdentity Id, TurnLease Lease, string StartText, bool TakenOver, DateTimeOffset Deadline);

/// <summary>What claiming gave: a turn to run, or the result of a delivery that runs none.</summary>
internal sealed class TurnClaim
{
    private TurnClaim(ClaimedTurn? turn, TurnResult? noTurn)
    {
        Turn = turn;
        NoTurn = noTurn;
    }

    public ClaimedTurn? Turn { get; }

    public TurnResult? NoTurn { get; }

    [MemberNotNullWhen(true, nameof(Turn))]
    [MemberNotNullWhen(false, nameof(NoTurn))]
    public bool IsClaimed => Turn is not null;

    public static TurnClaim Claimed(ClaimedTurn turn) => new(turn, null);

    public static TurnClaim None(TurnResult result) => new(null, result);
}
