using AppSyncChat.Worker.Publishing;

namespace AppSyncChat.Bench.Baselines;

/// <summary>
/// The publishing strategies the benchmark compares: <c>coalesced</c> is the Worker's own (its one production
/// policy, <see cref="CoalescingPolicy"/>); the others reproduce how other systems publish (Worker/README.md's
/// strategy table) and reach the Worker only through <c>WorkerSeams.PublishPolicy</c>.
/// </summary>
public static class PublishStrategies
{
    public const string Coalesced = "coalesced";

    public static IReadOnlyList<string> Names { get; } = [Coalesced, "per-delta", "sentence", "final-only"];

    /// <summary>The policy to plug into the Worker for <paramref name="name"/>; null for <c>coalesced</c> (the Worker's own).</summary>
    public static IPublishPolicy? PolicyFor(string name) => name switch
    {
        Coalesced => null,
        "per-delta" => new PerDeltaPolicy(),
        "sentence" => new SentencePolicy(),
        "final-only" => new FinalOnlyPolicy(),
        _ => throw new ArgumentException($"Unknown publish strategy '{name}': one of {string.Join(", ", Names)}.", nameof(name)),
    };
}
