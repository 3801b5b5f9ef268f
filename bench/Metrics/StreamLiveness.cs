namespace AppSyncChat.Bench.Metrics;

/// <summary>
/// Whether a live answer kept flowing at one viewer while the model kept producing it. The final text alone
/// cannot tell: a stream that froze for seconds and then delivered everything in one piece still ends right.
/// </summary>
public static class StreamLiveness
{
    /// <summary>
    /// The longest a viewer may wait for new text that the model has already produced: one coalescing window
    /// (100 ms by default), one publish (tens of milliseconds here, its p99 well under 200 ms on a loaded
    /// 2-core machine) and a margin for scheduling on a busy machine. A lost wake-up freezes a stream for
    /// seconds, far beyond it.
    /// </summary>
    public static readonly TimeSpan DefaultBound = TimeSpan.FromMilliseconds(1000);

    /// <summary>
    /// The gaps between consecutive text events at a viewer while the model was producing text: for each text
    /// event after the first, its arrival minus the later of (a) the previous text event's arrival and (b) the
    /// moment the model emitted the event's first character. (b) keeps pauses of the model itself (a tool round,
    /// a stall) out of the figure; duplicates and text the model did not stream (a kept prefix) are skipped.
    /// </summary>
    public static List<double> GapsMs(IEnumerable<(DateTimeOffset At, long Offset, string Text)> textEventsInArrivalOrder, ModelTurn model)
    {
        ArgumentNullException.ThrowIfNull(textEventsInArrivalOrder);
        ArgumentNullException.ThrowIfNull(model);
        var gaps = new List<double>();
        DateTimeOffset? previous = null;
        long assembled = -1;
        foreach (var (at, offset, text) in textEventsInArrivalOrder)
        {
            if (text.Length == 0 || offset + text.Length <= assembled)
            {
                continue; // empty, or a duplicate of text already seen
            }

            assembled = Math.Max(assembled, offset + text.Length);
            if (previous is { } before && model.EmittedAtChar(offset) is { } emitted)
            {
                var waitingSince = emitted > before ? emitted : before;
                gaps.Add(Math.Max(0, (at - waitingSince).TotalMilliseconds));
            }

            previous = at;
        }

        return gaps;
    }

    /// <summary>The longest of <see cref="GapsMs"/>; null when fewer than two text events arrived.</summary>
    public static double? MaxGapMs(IEnumerable<(DateTimeOffset At, long Offset, string Text)> textEventsInArrivalOrder, ModelTurn model) =>
        GapsMs(textEventsInArrivalOrder, model) is { Count: > 0 } gaps ? gaps.Max() : null;
}
