using System.Diagnostics.CodeAnalysis;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Worker.Publishing;

/// <summary>
/// How text reaches the channel. <see cref="Coalesced"/> is AppSyncChat's; the others reproduce how other
/// systems publish (the "models" column of Worker/README.md's strategy table) faithfully, so the benchmark
/// compares like with like (setting <c>APPSYNCCHAT_PUBLISH_STRATEGY</c>).
/// </summary>
public enum PublishStrategy
{
    /// <summary>First text at once, then merged for a window or a size bound; one publish in flight; up to 5 events per publish.</summary>
    Coalesced,

    /// <summary>One publish per model delta (Amplify AI Kit, most AWS samples).</summary>
    PerDelta,

    /// <summary>Flush at 50 characters or at a sentence end, one publish per flush (an AWS sample).</summary>
    Sentence,

    /// <summary>No streaming: the whole answer is published when the turn ends.</summary>
    FinalOnly,
}

public static class PublishStrategies
{
    public static IReadOnlyList<string> Names { get; } = ["coalesced", "per-delta", "sentence", "final-only"];

    public static bool TryParse(string value, out PublishStrategy strategy)
    {
        switch (value)
        {
            case "coalesced": strategy = PublishStrategy.Coalesced; return true;
            case "per-delta": strategy = PublishStrategy.PerDelta; return true;
            case "sentence": strategy = PublishStrategy.Sentence; return true;
            case "final-only": strategy = PublishStrategy.FinalOnly; return true;
            default: strategy = default; return false;
        }
    }

    public static string Name(this PublishStrategy strategy) => Names[(int)strategy];
}

/// <summary>The knobs of one publishing strategy, as the turn's event stream applies them.</summary>
public sealed record PublishPolicy
{
    /// <summary>The sentence baseline flushes at this many characters (the AWS sample's constant).</summary>
    public const int SentenceChunkChars = 50;

    public required PublishStrategy Strategy { get; init; }

    /// <summary>Coalesced only: how long text may wait for more text, counted from its first character.</summary>
    public TimeSpan Window { get; init; }

    /// <summary>Coalesced only: pending characters that trigger a flush before the window ends.</summary>
    public int MaxChars { get; init; } = int.MaxValue;

    public int MaxEventsPerPublish { get; init; } = StreamEventTypes.MaxEventsPerPublish;

    /// <summary>Publish the first text of the turn (and the first after a tool) without waiting for the window.</summary>
    public bool FirstTextImmediate { get; init; }

    [SuppressMessage("Style", "IDE0072:Add missing cases", Justification = "Every enum member is handled; the default arm guards casts.")]
    public static PublishPolicy For(PublishStrategy strategy, TimeSpan window, int maxChars) => strategy switch
    {
        PublishStrategy.Coalesced => new PublishPolicy
        {
            Strategy = strategy,
            Window = window,
            MaxChars = maxChars,
            FirstTextImmediate = true,
        },
        PublishStrategy.PerDelta => new PublishPolicy { Strategy = strategy, MaxEventsPerPublish = 1 },
        PublishStrategy.Sentence => new PublishPolicy { Strategy = strategy, MaxChars = SentenceChunkChars, MaxEventsPerPublish = 1 },
        PublishStrategy.FinalOnly => new PublishPolicy { Strategy = strategy },
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown publish strategy."),
    };
}
