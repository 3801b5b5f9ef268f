using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Worker.Publishing;

namespace AppSyncChat.Bench.Baselines;

/// <summary>No streaming: the whole answer is published when the turn ends (tool events still go out as they happen).</summary>
public sealed class FinalOnlyPolicy : IPublishPolicy
{
    public int MaxEventsPerPublish => StreamEventTypes.MaxEventsPerPublish;

    public bool ReleaseBeforeEvent => false;

    public PendingTextStep AfterAppend(PendingText pending) => PendingTextStep.Keep;

    public TimeSpan? ReleaseAfter(PendingText pending) => null;
}
