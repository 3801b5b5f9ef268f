using AppSyncChat.Worker.Publishing;

namespace AppSyncChat.Bench.Baselines;

/// <summary>
/// One publish per model delta, one event per publish (Amplify AI Kit, most AWS samples): every append becomes
/// its own event at once.
/// </summary>
public sealed class PerDeltaPolicy : IPublishPolicy
{
    public int MaxEventsPerPublish => 1;

    public bool ReleaseBeforeEvent => true;

    public PendingTextStep AfterAppend(PendingText pending) => PendingTextStep.Release;

    public TimeSpan? ReleaseAfter(PendingText pending) => null;
}
