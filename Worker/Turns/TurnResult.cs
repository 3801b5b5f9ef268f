namespace AppSyncChat.Worker.Turns;

public enum TurnResultKind
{
    /// <summary>The turn ended and its final state is stored (COMPLETED, FAILED, CANCELLED or INTERRUPTED).</summary>
    Finished,

    /// <summary>The message was already final: a duplicate delivery; nothing done.</summary>
    AlreadyFinal,

    /// <summary>Another worker holds a live lease: nothing done now; the record comes back after the visibility timeout.</summary>
    LeaseHeld,

    /// <summary>The message does not exist (deleted conversation): nothing to do, ever.</summary>
    NotFound,

    /// <summary>The lease was lost mid-turn (another worker took over); this worker stopped quietly.</summary>
    LeaseLost,

    /// <summary>The turn could not be settled now (store unavailable, too close to the deadline); the record must be retried.</summary>
    Retry,
}

/// <summary>
/// What became of one turn request, and whether its SQS record must be retried: the batch handler's answer.
/// Not how the turn ended (<see cref="TurnEnding"/>): most kinds here are deliveries that ran no turn at all
/// (a duplicate, a lease held elsewhere, a deleted message), and a turn that ended is <see cref="TurnResultKind.Finished"/>
/// whatever its ending.
/// </summary>
public sealed record TurnResult(TurnResultKind Kind, string? Status = null, string? Detail = null)
{
    /// <summary>
    /// True when the SQS record must come back. A live lease held by someone else counts: if that worker
    /// dies, this record's redelivery (after the visibility timeout, which outlasts any lease) is what
    /// takes the turn over; acknowledging it could leave the message STREAMING forever.
    /// </summary>
    public bool RetryRecord => Kind is TurnResultKind.Retry or TurnResultKind.LeaseHeld;
}
