using System.Globalization;

namespace AppSyncChat.Contracts.Configuration;

/// <summary>
/// Region, credentials and endpoint overrides for a function that runs off AWS (the Local stack, the benchmark,
/// tests). In Lambda the region and credentials come from the runtime and the endpoints are the regional ones,
/// so a deployment leaves this out.
/// </summary>
public sealed record OffAwsAccess(string Region, string AccessKeyId, string SecretAccessKey)
{
    /// <summary>The standard AWS SDK variable names the credentials travel in.</summary>
    public const string AccessKeyIdName = "AWS_ACCESS_KEY_ID";

    /// <inheritdoc cref="AccessKeyIdName"/>
    public const string SecretAccessKeyName = "AWS_SECRET_ACCESS_KEY";

    public string? DynamoDbEndpoint { get; init; }

    public string? SqsEndpoint { get; init; }

    public string? BedrockEndpoint { get; init; }

    internal void WriteTo(Dictionary<string, string> environment)
    {
        environment[SettingNames.Region] = Region;
        environment[AccessKeyIdName] = AccessKeyId;
        environment[SecretAccessKeyName] = SecretAccessKey;
        // Never let an SDK's credential chain probe the EC2 metadata address off AWS.
        environment["AWS_EC2_METADATA_DISABLED"] = "true";
        FunctionEnvironment.SetIfPresent(environment, SettingNames.DynamoDbEndpoint, DynamoDbEndpoint);
        FunctionEnvironment.SetIfPresent(environment, SettingNames.SqsEndpoint, SqsEndpoint);
        FunctionEnvironment.SetIfPresent(environment, SettingNames.BedrockEndpoint, BedrockEndpoint);
    }
}

/// <summary>The Api function's environment: the one builder the CDK stack, the Local stack, the benchmark and tests use.</summary>
public sealed record ApiEnvironment
{
    public required string TableName { get; init; }

    public required string QueueUrl { get; init; }

    /// <summary>The turn queue's visibility timeout; the Api derives from it when a turn counts as abandoned.</summary>
    public required TimeSpan QueueVisibilityTimeout { get; init; }

    public int? RetentionDays { get; init; }

    public string LogFormat { get; init; } = "json";

    public OffAwsAccess? OffAws { get; init; }

    /// <summary>Further settings by name (tuning, test overrides); they win over the values above.</summary>
    public IReadOnlyDictionary<string, string>? Overrides { get; init; }

    public Dictionary<string, string> Build()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SettingNames.TableName] = TableName,
            [SettingNames.QueueUrl] = QueueUrl,
            [SettingNames.QueueVisibilityTimeoutSeconds] = FunctionEnvironment.Seconds(QueueVisibilityTimeout),
            [SettingNames.LogFormat] = LogFormat,
        };
        if (RetentionDays is { } days)
        {
            environment[SettingNames.RetentionDays] = days.ToString(CultureInfo.InvariantCulture);
        }

        return FunctionEnvironment.Finish(environment, OffAws, Overrides);
    }
}

/// <summary>The Worker function's environment: the one builder the CDK stack, the Local stack, the benchmark and tests use.</summary>
public sealed record WorkerEnvironment
{
    public required string TableName { get; init; }

    public required string DefaultModelId { get; init; }

    /// <summary>The AppSync Events HTTP publish endpoint.</summary>
    public required string EventsHttpEndpoint { get; init; }

    /// <summary>Offer the demo tools (calculate, get_current_time) to models that support tool use.</summary>
    public bool DemoTools { get; init; }

    /// <summary>Set only where the Worker polls the queue itself (the queue poller host); in Lambda the event source mapping does.</summary>
    public string? QueueUrl { get; init; }

    public string LogFormat { get; init; } = "json";

    public OffAwsAccess? OffAws { get; init; }

    /// <summary>Further settings by name (tuning, test overrides); they win over the values above.</summary>
    public IReadOnlyDictionary<string, string>? Overrides { get; init; }

    public Dictionary<string, string> Build()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SettingNames.TableName] = TableName,
            [SettingNames.DefaultModelId] = DefaultModelId,
            [SettingNames.EventsHttpEndpoint] = EventsHttpEndpoint,
            [SettingNames.DemoTools] = DemoTools ? "true" : "false",
            [SettingNames.LogFormat] = LogFormat,
        };
        FunctionEnvironment.SetIfPresent(environment, SettingNames.QueueUrl, QueueUrl);
        return FunctionEnvironment.Finish(environment, OffAws, Overrides);
    }
}

internal static class FunctionEnvironment
{
    public static string Seconds(TimeSpan value) => ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    public static void SetIfPresent(Dictionary<string, string> environment, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            environment[name] = value;
        }
    }

    public static Dictionary<string, string> Finish(Dictionary<string, string> environment, OffAwsAccess? offAws, IReadOnlyDictionary<string, string>? overrides)
    {
        offAws?.WriteTo(environment);
        foreach (var (name, value) in overrides ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return environment;
    }
}
