using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Worker.Publishing;

/// <summary>
/// AppSyncChat's publishing policy, the only one production runs: the first text of the turn (and the first
/// after a non-text event) leaves at once; later text waits until <see cref="Window"/> has passed since its first
/// character, or <see cref="MaxChars"/> characters are pending, or a non-text event arrives; up to 5 events per
/// publish. While a publish is in flight text keeps merging, so a slow channel gets fewer, bigger publishes.
/// </summary>
public sealed record CoalescingPolicy(TimeSpan Window, int MaxChars) : IPublishPolicy
{
    public int MaxEventsPerPublish => StreamEventTypes.MaxEventsPerPublish;

    public bool ReleaseBeforeEvent => true;

    public PendingTextStep AfterAppend(PendingText pending)
    {
        var wasEmpty = pending.Length == pending.Appended;
        // FirstSinceEvent with text already pending: the first piece was only half a surrogate pair (held back),
        // this one completes it.
        var crossedMaxChars = pending.Length >= MaxChars && pending.Length - pending.Appended < MaxChars;
        return wasEmpty || pending.FirstSinceEvent || crossedMaxChars ? PendingTextStep.WakePublisher : PendingTextStep.Keep;
    }

    public TimeSpan? ReleaseAfter(PendingText pending)
    {
        var age = pending.Age;
        return pending.FirstSinceEvent || pending.Length >= MaxChars || age >= Window ? TimeSpan.Zero : Window - age;
    }
}
