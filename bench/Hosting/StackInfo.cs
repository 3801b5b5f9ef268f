using System.Text.Json.Serialization;

namespace AppSyncChat.Bench.Hosting;

/// <summary>What the load generator and the Worker process need to know about a running stack.</summary>
public sealed record StackInfo
{
    public required string Region { get; init; }

    public required string AccessKeyId { get; init; }

    public required string SecretAccessKey { get; init; }

    public required string GraphqlUrl { get; init; }

    public required string GraphqlApiKey { get; init; }

    public required string EventsHttpUrl { get; init; }

    public required string EventsRealtimeUrl { get; init; }

    public required string EventsApiKey { get; init; }

    /// <summary>The benchmark's own Bedrock emulator (a large request log), which the bench Worker calls.</summary>
    public required string BedrockUrl { get; init; }

    public required string ModelId { get; init; }

    public required string DynamoDbUrl { get; init; }

    public required string TableName { get; init; }

    public required string SqsUrl { get; init; }

    /// <summary>The queue the Api enqueues to and only the bench Worker drains.</summary>
    public required string QueueUrl { get; init; }

    public required int StackProcessId { get; init; }

    public required int SidecarProcessId { get; init; }

    /// <summary>Milliseconds from the call of LocalStack.StartAsync to a ready stack.</summary>
    public double StartMs { get; init; }
}

/// <summary>Resource use of one process of the benchmark, as the process itself reports it.</summary>
public sealed record PartStats
{
    public int ProcessId { get; init; }

    /// <summary>User + system CPU time of the whole process.</summary>
    public double CpuMs { get; init; }

    /// <summary>Managed heap (after a full collection when one was asked for).</summary>
    public long ManagedBytes { get; init; }

    public long WorkingSetBytes { get; init; }

    public int ThreadCount { get; init; }

    /// <summary>CPU of the runtime's background tier-1 compiler thread (JIT), part of <see cref="CpuMs"/>; null off Linux.</summary>
    public double? TieredJitCpuMs { get; init; }

    /// <summary>Worker only: WorkerFunction.RunAsync entered → its first Runtime API poll (GET /runtime/invocation/next).</summary>
    public double? EntryToFirstPollMs { get; init; }

    /// <summary>Worker only: process start → first poll (includes the .NET runtime and our Runtime API emulator starting).</summary>
    public double? ProcessStartToFirstPollMs { get; init; }

    public long? Invocations { get; init; }

    public long? RecordsFailed { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StackInfo))]
[JsonSerializable(typeof(PartStats))]
[JsonSerializable(typeof(WorkerLaunch))]
internal sealed partial class HostingJsonContext : JsonSerializerContext;
