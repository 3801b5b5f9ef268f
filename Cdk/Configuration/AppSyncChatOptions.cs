using System.Globalization;

namespace AppSyncChat.Cdk.Configuration;

/// <summary>
/// Everything the stack needs to know that is not derived from other resources. Built once from CDK
/// context (<see cref="FromContext"/>), validated, immutable. Tests construct it directly.
/// </summary>
public sealed record AppSyncChatOptions
{
    /// <summary>The default Bedrock model: an on-demand foundation model offered in most regions without an inference profile.</summary>
    public const string DefaultModelId = "anthropic.claude-3-haiku-20240307-v1:0";

    /// <summary>Folder with the Api function package: a linux-x64 publish (Native AOT by default, see build-functions.sh) whose entry file is <c>bootstrap</c>.</summary>
    public required string ApiAssetDirectory { get; init; }

    /// <summary>Folder with the Worker function package (<c>bootstrap</c>).</summary>
    public required string WorkerAssetDirectory { get; init; }

    /// <summary>Bedrock model ids (or inference-profile ids or ARNs) the Worker is allowed to invoke; the first is its default.</summary>
    public IReadOnlyList<string> ModelIds { get; init; } = [DefaultModelId];

    /// <summary>
    /// Offer the Worker's demo tools (<c>calculate</c>, <c>get_current_time</c>; <c>APPSYNCCHAT_DEMO_TOOLS</c>) to models that
    /// support tool use. Off by default: a deployment's model answers without tools unless asked.
    /// </summary>
    public bool DemoTools { get; init; }

    /// <summary>An existing user pool to use instead of creating one.</summary>
    public string? ExistingUserPoolId { get; init; }

    /// <summary>The existing pool's app client id (only reported in the outputs).</summary>
    public string? ExistingUserPoolClientId { get; init; }

    public bool SelfSignUp { get; init; }

    /// <summary>
    /// Worker Lambda timeout: the longest a turn may stream. 5 minutes covers a 4k-token answer at slow
    /// model speeds plus tool rounds; the Worker ends a turn cleanly a little before this deadline.
    /// </summary>
    public TimeSpan WorkerTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Worker memory: Lambda gives CPU in proportion; 1 GB keeps JSON, TLS and coalescing off the critical path.</summary>
    public int WorkerMemoryMb { get; init; } = 1024;

    /// <summary>Api timeout: a resolver does a few DynamoDB calls and one SQS send; AppSync stops waiting at 30 s anyway.</summary>
    public TimeSpan ApiTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Api memory: more CPU shortens the .NET cold start that sits in front of every first mutation.</summary>
    public int ApiMemoryMb { get; init; } = 1024;

    /// <summary>Turns handed to one Worker invocation (they stream concurrently, each reports its own failure).</summary>
    public int WorkerBatchSize { get; init; } = 4;

    /// <summary>Upper bound of concurrent Worker invocations the SQS event source starts (2–1000).</summary>
    public int WorkerMaxConcurrency { get; init; } = 25;

    /// <summary>Receives before a message goes to the DLQ.</summary>
    public int MaxReceiveCount { get; init; } = 3;

    /// <summary>Days a conversation lives after its last write (the Api sets the TTL attribute); null keeps conversations forever.</summary>
    public int? RetentionDays { get; init; }

    public string? AlarmEmail { get; init; }

    public bool RetainData { get; init; } = true;

    /// <summary>Clock for API key expiry dates.</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// SQS visibility timeout: the Worker timeout + 30 s. A record reappears only after its invocation (and so its
    /// lease) has ended, and soon after: a turn whose Worker crashed is taken over at most this long after the
    /// record was received (5.5 minutes by default). Not AWS's "6 × the function timeout": that guards against a
    /// batch delivered twice after a throttled invoke, which the Worker's claim makes harmless (the duplicate finds
    /// a live lease and is retried), and it would leave a crashed turn stuck for half an hour
    /// (docs/worker-timeouts.md, "Crash recovery").
    /// </summary>
    public TimeSpan QueueVisibilityTimeout => WorkerTimeout + RedeliverySlack;

    /// <summary>How long after the Worker's timeout a record reappears.</summary>
    public static readonly TimeSpan RedeliverySlack = TimeSpan.FromSeconds(30);

    /// <summary>Checks every value; throws <see cref="CdkConfigurationException"/> naming the bad one.</summary>
    public AppSyncChatOptions Validate()
    {
        RequirePackage(ApiAssetDirectory, ContextKeys.ApiAssetDirectory);
        RequirePackage(WorkerAssetDirectory, ContextKeys.WorkerAssetDirectory);
        if (ModelIds.Count == 0 || ModelIds.Any(string.IsNullOrWhiteSpace))
        {
            throw new CdkConfigurationException(ContextKeys.ModelIds, "must list at least one non-empty model id");
        }

        if (ExistingUserPoolId is not null && string.IsNullOrWhiteSpace(ExistingUserPoolClientId))
        {
            throw new CdkConfigurationException(ContextKeys.UserPoolClientId, $"is required together with {ContextKeys.UserPoolId}");
        }

        Require(WorkerTimeout >= TimeSpan.FromSeconds(30) && WorkerTimeout <= TimeSpan.FromMinutes(15), ContextKeys.WorkerTimeoutSeconds, "must be between 30 and 900 seconds");

        // SQS caps the visibility timeout at 12 hours; 900 s + 30 s stays well inside.
        Require(WorkerMemoryMb is >= 512 and <= 10240, ContextKeys.WorkerMemoryMb, "must be between 512 and 10240");
        Require(WorkerBatchSize is >= 1 and <= 10, ContextKeys.WorkerBatchSize, "must be between 1 and 10");
        Require(WorkerMaxConcurrency is >= 2 and <= 1000, ContextKeys.WorkerMaxConcurrency, "must be between 2 and 1000 (SQS event source maximum concurrency)");
        Require(RetentionDays is null or (>= 1 and <= 36_500), ContextKeys.RetentionDays, "must be between 1 and 36500 days");
        Require(MaxReceiveCount is >= 1 and <= 1000, ContextKeys.MaxReceiveCount, "must be between 1 and 1000");
        return this;
    }

    /// <summary>
    /// Reads the options from CDK context. Relative asset folders are resolved against
    /// <paramref name="baseDirectory"/> (the folder <c>cdk</c> runs in, i.e. <c>Cdk/</c>).
    /// </summary>
    public static AppSyncChatOptions FromContext(Func<string, string?> context, string baseDirectory, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(context);
        string? Get(string key) => context(key) is { Length: > 0 } value ? value.Trim() : null;

        var defaults = new AppSyncChatOptions { ApiAssetDirectory = "", WorkerAssetDirectory = "" };
        var modelIds = Get(ContextKeys.ModelIds)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        return new AppSyncChatOptions
        {
            ApiAssetDirectory = Path.GetFullPath(Get(ContextKeys.ApiAssetDirectory) ?? Path.Combine("dist", "api"), baseDirectory),
            WorkerAssetDirectory = Path.GetFullPath(Get(ContextKeys.WorkerAssetDirectory) ?? Path.Combine("dist", "worker"), baseDirectory),
            ModelIds = modelIds is { Length: > 0 } ? modelIds : defaults.ModelIds,
            DemoTools = ParseBool(Get(ContextKeys.DemoTools), ContextKeys.DemoTools) ?? defaults.DemoTools,
            ExistingUserPoolId = Get(ContextKeys.UserPoolId),
            ExistingUserPoolClientId = Get(ContextKeys.UserPoolClientId),
            SelfSignUp = ParseBool(Get(ContextKeys.SelfSignUp), ContextKeys.SelfSignUp) ?? defaults.SelfSignUp,
            WorkerTimeout = ParseInt(Get(ContextKeys.WorkerTimeoutSeconds), ContextKeys.WorkerTimeoutSeconds) is { } seconds
                ? TimeSpan.FromSeconds(seconds)
                : defaults.WorkerTimeout,
            WorkerMemoryMb = ParseInt(Get(ContextKeys.WorkerMemoryMb), ContextKeys.WorkerMemoryMb) ?? defaults.WorkerMemoryMb,
            WorkerBatchSize = ParseInt(Get(ContextKeys.WorkerBatchSize), ContextKeys.WorkerBatchSize) ?? defaults.WorkerBatchSize,
            WorkerMaxConcurrency = ParseInt(Get(ContextKeys.WorkerMaxConcurrency), ContextKeys.WorkerMaxConcurrency) ?? defaults.WorkerMaxConcurrency,
            MaxReceiveCount = ParseInt(Get(ContextKeys.MaxReceiveCount), ContextKeys.MaxReceiveCount) ?? defaults.MaxReceiveCount,
            RetentionDays = ParseInt(Get(ContextKeys.RetentionDays), ContextKeys.RetentionDays),
            AlarmEmail = Get(ContextKeys.AlarmEmail),
            RetainData = ParseBool(Get(ContextKeys.RetainData), ContextKeys.RetainData) ?? defaults.RetainData,
            Now = now,
        }.Validate();
    }

    private static void RequirePackage(string directory, string key)
    {
        if (string.IsNullOrWhiteSpace(directory) || !File.Exists(Path.Combine(directory, "bootstrap")))
        {
            throw new CdkConfigurationException(key, $"must name a folder containing 'bootstrap' (got '{directory}'); run Cdk/build-functions.sh first");
        }
    }

    private static void Require(bool condition, string key, string rule)
    {
        if (!condition)
        {
            throw new CdkConfigurationException(key, rule);
        }
    }

    private static int? ParseInt(string? value, string key) => value switch
    {
        null => null,
        _ when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw new CdkConfigurationException(key, $"must be an integer (got '{value}')"),
    };

    private static bool? ParseBool(string? value, string key) => value switch
    {
        null => null,
        _ when bool.TryParse(value, out var parsed) => parsed,
        _ => throw new CdkConfigurationException(key, $"must be true or false (got '{value}')"),
    };
}

/// <summary>A bad or missing CDK context value; the message names the context key and the rule.</summary>
public sealed class CdkConfigurationException(string contextKey, string rule)
    : Exception($"CDK context value '{contextKey}' {rule}.")
{
    public string ContextKey { get; } = contextKey;
}
