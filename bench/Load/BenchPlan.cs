using AppSyncChat.Bench.Baselines;
using AppSyncChat.Bench.Hosting;

namespace AppSyncChat.Bench.Load;

/// <summary>What one run measures. <see cref="Quick"/> ≈ 2 minutes on 2 cores; <see cref="Full"/> adds 1,000 conversations and more baselines.</summary>
public sealed record BenchPlan
{
    public required string Mode { get; init; }

    public required ModelPacing Pacing { get; init; }

    /// <summary>Ours first; the baselines after it.</summary>
    public IReadOnlyList<string> Strategies { get; init; } = PublishStrategies.Names;

    public required int[] ChatLevels { get; init; }

    public int ViewersPerConversation { get; init; } = 3;

    public required int[] FanOutLevels { get; init; }

    /// <summary>Users each starting a new conversation at once (create, subscribe, send: the client library's way).</summary>
    public required int[] NewConversationLevels { get; init; }

    public required int CancelConversations { get; init; }

    /// <summary>When the cancel workload calls stopGeneration: this long after the first text reached a viewer.</summary>
    public TimeSpan CancelAfterFirstText { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>Chat levels the baselines run (ours runs every level).</summary>
    public required int[] BaselineChatLevels { get; init; }

    public required int[] BaselineFanOutLevels { get; init; }

    /// <summary>Conversations of the memory probe (ours only; 0 skips it).</summary>
    public int MemoryProbeConversations { get; init; }

    /// <summary>Run the stack and the Worker inside this process (smoke test) instead of child processes.</summary>
    public bool InProcess { get; init; }

    public int ApiConcurrency { get; init; } = 32;

    /// <summary>
    /// Sends of a level are spread evenly over <c>conversations × this</c> (at most <see cref="MaxSendRamp"/>), as
    /// users do not all press Enter in the same millisecond; 0 sends everything at once.
    /// </summary>
    public TimeSpan SendRampPerConversation { get; init; } = TimeSpan.FromMilliseconds(10);

    public TimeSpan MaxSendRamp { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// sendMessage calls in flight at most. The GraphQL endpoint gives up on a resolver after 30 s, and the local
    /// Api path (one Node thread for GraphQL, DynamoDB and SQS) serves a few dozen sends per second, so a
    /// 1,000-send burst would time out there; beyond this the load generator queues (and says so).
    /// </summary>
    public int MaxSendsInFlight { get; init; } = 64;

    public int BatchSize { get; init; } = 10;

    public static ModelPacing Realistic { get; } = new(TimeSpan.FromMilliseconds(600), 80, 500);

    public static BenchPlan Quick() => new()
    {
        Mode = "quick",
        Pacing = Realistic,
        ChatLevels = [1, 10, 100],
        NewConversationLevels = [1, 10, 100],
        FanOutLevels = [1, 10, 100, 500],
        CancelConversations = 10,
        BaselineChatLevels = [100],
        BaselineFanOutLevels = [],
        MemoryProbeConversations = 100,
    };

    public static BenchPlan Full() => new()
    {
        Mode = "full",
        Pacing = Realistic,
        ChatLevels = [1, 10, 100, 1000],
        NewConversationLevels = [1, 10, 100],
        FanOutLevels = [1, 10, 100, 500],
        CancelConversations = 50,
        BaselineChatLevels = [10, 100],
        BaselineFanOutLevels = [100],
        MemoryProbeConversations = 1000,
    };

    /// <summary>Seconds, not minutes: a fast model, few viewers, in one process (the CI smoke check; no thresholds).</summary>
    public static BenchPlan Smoke() => new()
    {
        Mode = "smoke",
        Pacing = new ModelPacing(TimeSpan.FromMilliseconds(50), 400, 40),
        Strategies = ["coalesced", "per-delta"],
        ChatLevels = [2],
        NewConversationLevels = [2],
        ViewersPerConversation = 2,
        FanOutLevels = [3],
        CancelConversations = 1,
        CancelAfterFirstText = TimeSpan.FromMilliseconds(20),
        BaselineChatLevels = [2],
        BaselineFanOutLevels = [],
        MemoryProbeConversations = 0,
        InProcess = true,
        ApiConcurrency = 4,
    };

    public int MaxConcurrentTurns => new[] { ChatLevels.DefaultIfEmpty(1).Max(), CancelConversations, MemoryProbeConversations, 1 }.Max();

    /// <summary>
    /// Lambda instances for the Worker (= the event-source mapping's pollers): every turn of the largest level
    /// must find a slot even when batches hold only two messages (messages trickle in as the Api stores them),
    /// as Lambda scales out; otherwise turns wait for a whole answer behind a busy batch.
    /// </summary>
    public int WorkerInstances => Math.Clamp(MaxConcurrentTurns / 2, 4, 500);
}
