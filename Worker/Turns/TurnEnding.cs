using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// How a turn ended: the one answer every part of a running turn gives — the model loop, the watchdog, the
/// deadline timer, the cancel poll and the checkpoints. <c>TurnFinish</c> turns it into the terminal event and
/// the stored final state (<see cref="Conversations.Store.TurnOutcome"/>, the store's record of it).
/// Not <see cref="TurnResult"/>: that is what became of the queue record, including deliveries that ran no turn.
/// </summary>
public abstract record TurnEnding
{
    private TurnEnding()
    {
    }

    /// <summary>stopGeneration was seen: the turn ends CANCELLED.</summary>
    public static TurnEnding CancelRequested { get; } = new Cancelled();

    /// <summary>Another worker owns the turn now: this one stops without storing or announcing an end.</summary>
    public static TurnEnding LeaseLost { get; } = new Abandoned();

    /// <summary>The turn reached the worker's deadline (the invocation deadline minus a margin).</summary>
    public static TurnEnding DeadlineExceeded { get; } = new Failed(TurnErrorCodes.DeadlineExceeded, "The answer took longer than the worker's time limit.", Retryable: true);

    /// <summary>The model sent nothing within <paramref name="timeout"/> of the call.</summary>
    public static TurnEnding FirstByteTimeout(TimeSpan timeout) =>
        new Failed(TurnErrorCodes.ModelTimeout, $"The model sent nothing for {timeout.TotalSeconds:0.###} s.", Retryable: true);

    /// <summary>The model stopped sending for <paramref name="timeout"/>.</summary>
    public static TurnEnding Stalled(TimeSpan timeout) =>
        new Failed(TurnErrorCodes.ModelStalled, $"The model stopped sending for {timeout.TotalSeconds:0.###} s.", Retryable: true);

    /// <summary>The answer reached <paramref name="maxBytes"/> UTF-8 bytes; it is kept up to there.</summary>
    public static TurnEnding AnswerTooLarge(int maxBytes) =>
        new Failed(TurnErrorCodes.AnswerTooLarge, $"The answer reached the largest size a stored message can hold ({maxBytes:N0} bytes); it ends here.", Retryable: false);

    /// <summary>The model finished its answer.</summary>
    public sealed record Completed(string StopReason, TokenUsage? Usage) : TurnEnding;

    /// <summary>The user stopped the answer.</summary>
    public sealed record Cancelled : TurnEnding;

    /// <summary>The answer failed; FAILED without text, INTERRUPTED with some.</summary>
    public sealed record Failed(string ErrorCode, string Message, bool Retryable) : TurnEnding;

    /// <summary>The lease was lost mid-turn.</summary>
    public sealed record Abandoned : TurnEnding;
}
