using System.Text;

namespace AppSyncChat.Worker.Publishing;

/// <summary>
/// When the model text pending in an <see cref="EventCoalescer"/> becomes events, and how many events go in one
/// publish. Production has exactly one policy, <see cref="CoalescingPolicy"/>. This seam exists for the benchmark:
/// it plugs in its baselines (how other systems publish, <c>bench/Baselines/</c>) through
/// <c>WorkerSeams.PublishPolicy</c> to compare like with like; no setting selects a policy.
/// <para>
/// One instance serves every turn, so an implementation keeps no state of its own (a turn's state is the
/// <see cref="PendingText"/> it is shown). Its members are called with the coalescer's lock held: quick, never blocking.
/// </para>
/// </summary>
public interface IPublishPolicy
{
    /// <summary>Events in one publish request (AppSync Events takes up to 5).</summary>
    int MaxEventsPerPublish { get; }

    /// <summary>
    /// True: pending text becomes events before a non-text event is enqueued (the event never overtakes text).
    /// False: text waits for the end of the turn.
    /// </summary>
    bool ReleaseBeforeEvent { get; }

    /// <summary>Text was just appended (<see cref="PendingText.Appended"/> characters of it): what happens to the pending text now.</summary>
    PendingTextStep AfterAppend(PendingText pending);

    /// <summary>
    /// The publishing loop looks at pending text: <see cref="TimeSpan.Zero"/> releases it now, a positive wait has the
    /// loop look again after it (unless something else wakes it first), null leaves it until the next append, event
    /// or the end of the turn.
    /// </summary>
    TimeSpan? ReleaseAfter(PendingText pending);
}

/// <summary>What <see cref="IPublishPolicy.AfterAppend"/> decides for the pending text.</summary>
public enum PendingTextStep
{
    /// <summary>Leave it pending; the publishing loop is not woken.</summary>
    Keep,

    /// <summary>Wake the publishing loop, which asks <see cref="IPublishPolicy.ReleaseAfter"/>.</summary>
    WakePublisher,

    /// <summary>Turn it into events now (the last high surrogate of a pair waits for its low half) and wake the publishing loop.</summary>
    Release,
}

/// <summary>The text of a turn not yet turned into events, as a policy sees it (read-only).</summary>
public readonly struct PendingText
{
    private readonly StringBuilder _text;
    private readonly TimeProvider _time;
    private readonly long _since;

    internal PendingText(StringBuilder text, int appended, bool firstSinceEvent, TimeProvider time, long since)
    {
        _text = text;
        Appended = appended;
        FirstSinceEvent = firstSinceEvent;
        _time = time;
        _since = since;
    }

    /// <summary>Characters pending.</summary>
    public int Length => _text.Length;

    /// <summary>Characters the append being decided added (0 when the publishing loop looks).</summary>
    public int Appended { get; }

    /// <summary>True while no text was released since the turn started or since its last non-text event.</summary>
    public bool FirstSinceEvent { get; }

    /// <summary>How long the oldest pending character has waited.</summary>
    public TimeSpan Age => _time.GetElapsedTime(_since);

    public char this[int index] => _text[index];
}
