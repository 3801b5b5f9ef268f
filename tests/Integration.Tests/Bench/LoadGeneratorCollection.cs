namespace AppSyncChat.Integration.Tests.Bench;

/// <summary>
/// The fault campaign and the benchmark's smoke run each start their own stack and drive it hard. They run alone,
/// after the parallel collections: on 2 cores they starved the liveness checks of the tests running beside them
/// (<c>WorkerLivenessTests</c> measured a 1,017 ms pause, against its 1 s bound, in a full run while the campaign
/// ran beside it), and their own liveness checks deserve the same quiet.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadGeneratorCollection
{
    public const string Name = "Load generators (run alone)";
}
