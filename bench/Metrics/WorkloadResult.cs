using System.Text.Json.Serialization;
using AppSyncChat.Bench.Hosting;

namespace AppSyncChat.Bench.Metrics;

/// <summary>The figures of one workload run with one publish strategy.</summary>
public sealed record WorkloadResult
{
    /// <summary><c>chat</c>, <c>fan-out</c>, <c>cancel</c> or <c>memory</c>.</summary>
    public required string Workload { get; init; }

    public required string Strategy { get; init; }

    public int Conversations { get; init; }

    public int ViewersPerConversation { get; init; }

    public double DurationMs { get; init; }

    /// <summary>The sends of the run were spread evenly over this window (0 = all at once).</summary>
    public double SendRampMs { get; init; }

    /// <summary>First text at a viewer − first token flushed by the model.</summary>
    public Distribution AddedFirstTokenMs { get; init; } = new();

    /// <summary>Per character: receipt at a viewer − flush of its token by the model.</summary>
    public Distribution CharLagMs { get; init; } = new();

    /// <summary>First text at a viewer − sendMessage call, minus the model's own time to first token.</summary>
    public Distribution RequestToFirstTextOverheadMs { get; init; } = new();

    /// <summary>Where the overhead goes (1): the sendMessage round trip (GraphQL endpoint → Api → DynamoDB, SQS).</summary>
    public Distribution SendMessageMs { get; init; } = new();

    /// <summary>Where the overhead goes (2): sendMessage answered → the Worker's model request reached Bedrock (SQS, event-source mapping, claim, history).</summary>
    public Distribution AcceptedToModelRequestMs { get; init; } = new();

    /// <summary>Where the overhead goes (2a): sendMessage answered → turn.started at a viewer (SQS, mapping, Runtime API, claim, first publish).</summary>
    public Distribution AcceptedToTurnStartedMs { get; init; } = new();

    /// <summary>Where the overhead goes (3): the model's own time to first token as the emulator measured it (not overhead).</summary>
    public Distribution ModelTimeToFirstTokenMs { get; init; } = new();

    /// <summary>Cancel only: stopGeneration call → last text event at a viewer (0 when no text arrived after the call).</summary>
    public Distribution CancelToLastTextMs { get; init; } = new();

    /// <summary>Cancel only: the stopGeneration round trip (GraphQL → Api → DynamoDB).</summary>
    public Distribution StopGenerationCallMs { get; init; } = new();

    /// <summary>Cancel only: stopGeneration answered → last text event at a viewer (the Worker noticing: cancel poll 250 ms).</summary>
    public Distribution StopAcceptedToLastTextMs { get; init; } = new();

    /// <summary>Cancel only: stopGeneration call → turn.cancelled at a viewer.</summary>
    public Distribution CancelToTerminalMs { get; init; } = new();

    /// <summary>Events of the answer a viewer received (all types), mean over viewers.</summary>
    public double EventsPerAnswerAtViewer { get; init; }

    public double TextEventsPerAnswerAtViewer { get; init; }

    /// <summary>From the Events emulator's counters (deltas over the run) ÷ answers.</summary>
    public double PublishRequestsPerAnswer { get; init; }

    public double InboundEventsPerAnswer { get; init; }

    public double OutboundMessagesPerAnswer { get; init; }

    /// <summary>Inbound events + outbound messages (= inbound × viewers), per answer.</summary>
    public double OperationsPerAnswer { get; init; }

    public long ModelTokens { get; init; }

    /// <summary>Most model answers streaming at the same moment (from the emulator's request and last-token times).</summary>
    public int PeakConcurrentAnswers { get; init; }

    public double WorkerCpuMs { get; init; }

    public double WorkerCpuMsPer1000Tokens { get; init; }

    /// <summary>As <see cref="WorkerCpuMsPer1000Tokens"/>, minus the idle Worker's CPU rate × the run's wall time (pollers of the local Lambda hosting; a Lambda sandbox is frozen when idle).</summary>
    public double? WorkerCpuMsPer1000TokensNetOfIdle { get; init; }

    /// <summary>Of <see cref="WorkerCpuMs"/>, the runtime's background tier-1 JIT (a young process compiling its hot code).</summary>
    public double? WorkerTieredJitCpuMs { get; init; }

    /// <summary>Worker CPU without the background JIT, per 1,000 tokens: the steady-state cost.</summary>
    public double? WorkerCpuMsPer1000TokensExcludingJit { get; init; }

    /// <summary>True when the Worker ran in its own process (else the CPU is the whole benchmark process).</summary>
    public bool WorkerSeparate { get; init; }

    public double StackCpuMs { get; init; }

    public double SidecarCpuMs { get; init; }

    /// <summary>CPU of the benchmark process itself (viewers, GraphQL calls): the load generator's share.</summary>
    public double LoadGeneratorCpuMs { get; init; }

    public double WallCpuCapacityMs { get; init; }

    /// <summary>Memory workload only: answers the model was streaming when the Worker was sampled.</summary>
    public int? ActiveAnswersAtMemorySample { get; init; }

    /// <summary>Memory workload only: Worker managed heap growth (after full GCs) ÷ answers active at the sample.</summary>
    public double? WorkerManagedBytesPerConversation { get; init; }

    public double? WorkerWorkingSetBytesPerConversation { get; init; }

    /// <summary>Every gap between consecutive text events at a viewer while the model was producing text (<see cref="StreamLiveness.GapsMs"/>).</summary>
    public Distribution InterDeltaGapMs { get; init; } = new();

    /// <summary>Per viewer and answer: the longest such gap.</summary>
    public Distribution MaxGapPerAnswerMs { get; init; } = new();

    /// <summary>Viewer-answers whose longest gap passed <see cref="LivenessBoundMs"/> (counted for the production strategy only).</summary>
    public int LivenessViolations { get; init; }

    public double LivenessBoundMs { get; init; }

    public int ViewersChecked { get; init; }

    /// <summary>Viewers whose final text differs from the stored text (or that saw no terminal event, or a gap).</summary>
    public int Mismatches { get; init; }

    public int ViewersWithoutTerminal { get; init; }

    public int ViewersWithGap { get; init; }

    /// <summary>Completed answers whose stored text differs from what the model streamed.</summary>
    public int StoredVsModelMismatches { get; init; }

    public int TurnsNotFinal { get; init; }

    public long SlowConnectionsClosed { get; init; }

    public List<string> Notes { get; init; } = [];
}

/// <summary>Worker start-up, one per Worker process started.</summary>
public sealed record WorkerStartup(string Strategy, double EntryToFirstPollMs, double? ProcessStartToFirstPollMs, bool Separate)
{
    /// <summary>CPU the idle Worker burns per second (pollers long-polling SQS and the Runtime API), measured after the warm-up.</summary>
    public double? IdleCpuMsPerSecond { get; init; }

    /// <summary>Of the idle CPU, the background tier-1 JIT (ms per second).</summary>
    public double? IdleJitCpuMsPerSecond { get; init; }
}

/// <summary>Everything one benchmark run produced (bench/results/&lt;run&gt;.json).</summary>
public sealed record BenchReport
{
    public required string RunId { get; init; }

    public required string Mode { get; init; }

    public required string Command { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public double DurationSeconds { get; init; }

    public required Dictionary<string, string> Machine { get; init; }

    public required Dictionary<string, string> Settings { get; init; }

    public double StackStartMs { get; init; }

    public List<WorkerStartup> WorkerStartups { get; init; } = [];

    public List<WorkloadResult> Results { get; init; } = [];

    public int TotalMismatches { get; init; }

    public int TotalLivenessViolations { get; init; }

    public List<string> Notes { get; init; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(PartStats))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
