namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Counts the failures of a turn's side loop (checkpoints, cancel poll): in total, and in a row — a streak that
/// reaches <paramref name="escalateAfter"/> is worth an Error, and its end a note that the loop works again.
/// Used by one loop at a time (each loop is single-threaded).
/// </summary>
internal sealed class FailureStreak(int escalateAfter)
{
    /// <summary>Failures this turn.</summary>
    public int Total { get; private set; }

    /// <summary>Failures in a row, up to now.</summary>
    public int Current { get; private set; }

    /// <summary>Counts a failure; true exactly when it makes the streak reach the escalation threshold.</summary>
    public bool Failed()
    {
        Total++;
        Current++;
        return Current == escalateAfter;
    }

    /// <summary>Ends the streak; returns its length when it had escalated (worth a recovery note), else 0.</summary>
    public int Succeeded()
    {
        var escalated = Current >= escalateAfter ? Current : 0;
        Current = 0;
        return escalated;
    }
}
