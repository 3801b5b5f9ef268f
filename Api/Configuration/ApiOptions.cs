using System.Globalization;
using AppSyncChat.Contracts.Configuration;

namespace AppSyncChat.Api.Configuration;

/// <summary>The Api's validated settings, read once at start-up from the settings lookup.</summary>
public sealed record ApiOptions
{
    public required string TableName { get; init; }

    public required string QueueUrl { get; init; }

    public required string Region { get; init; }

    /// <summary>DynamoDB endpoint override (Local stack, VPC endpoint); null means the regional endpoint.</summary>
    public Uri? DynamoDbEndpoint { get; init; }

    /// <summary>SQS endpoint override; null means the endpoint implied by the queue URL / region.</summary>
    public Uri? SqsEndpoint { get; init; }

    /// <summary><c>json</c> (default) or <c>text</c>.</summary>
    public string LogFormat { get; init; } = "json";

    /// <summary>Conversation and message TTL; null keeps them forever.</summary>
    public TimeSpan? Retention { get; init; }

    /// <summary>
    /// A turn left QUEUED, or STREAMING with a lease expired, for this long is treated as abandoned when
    /// it blocks a new turn or a stop: it is finished FAILED (or CANCELLED on stop) so the conversation is
    /// never stuck. At least <see cref="QueueVisibilityTimeout"/> + <see cref="TakeoverSlack"/>: a lease
    /// expires at the latest when its invocation ends, and the record reappears at most one visibility
    /// timeout after that, so a takeover always runs first (docs/worker-timeouts.md).
    /// </summary>
    public TimeSpan AbandonedTurnAfter { get; init; } = DefaultQueueVisibilityTimeout + TakeoverSlack;

    /// <summary>The turn queue's visibility timeout: how long after a receive a record reappears.</summary>
    public TimeSpan QueueVisibilityTimeout { get; init; } = DefaultQueueVisibilityTimeout;

    /// <summary>The deployed default: the Worker's 5-minute timeout + 30 s.</summary>
    public static readonly TimeSpan DefaultQueueVisibilityTimeout = TimeSpan.FromSeconds(330);

    /// <summary>Time for a reappeared record to reach a Worker and be claimed (event source poll, cold start, claim).</summary>
    public static readonly TimeSpan TakeoverSlack = TimeSpan.FromSeconds(60);

    /// <summary>An enqueue attempt that started this long ago without finishing may be redone by a retry.</summary>
    public TimeSpan EnqueueTakeoverAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A conversation lock whose assistant message was never written (a crashed request) is released after this.</summary>
    public TimeSpan OrphanLockAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Reads and validates; throws naming the missing or bad setting.</summary>
    public static ApiOptions FromSettings(Func<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var visibility = Seconds(settings, SettingNames.QueueVisibilityTimeoutSeconds, 0, 43_200) ?? DefaultQueueVisibilityTimeout;
        var abandonAfter = Seconds(settings, SettingNames.AbandonTurnAfterSeconds, 1, 7 * 86_400) ?? visibility + TakeoverSlack;
        if (abandonAfter < visibility + TakeoverSlack)
        {
            throw new ApiConfigurationException(
                SettingNames.AbandonTurnAfterSeconds,
                string.Create(CultureInfo.InvariantCulture, $"({abandonAfter.TotalSeconds:0} s) must be at least {SettingNames.QueueVisibilityTimeoutSeconds} ({visibility.TotalSeconds:0} s) + {TakeoverSlack.TotalSeconds:0} s, or a crashed turn is failed before its redelivery can take it over"));
        }

        return new ApiOptions
        {
            QueueVisibilityTimeout = visibility,
            AbandonedTurnAfter = abandonAfter,
            TableName = Required(settings, SettingNames.TableName),
            QueueUrl = Url(settings, SettingNames.QueueUrl, required: true)!.ToString(),
            Region = Required(settings, SettingNames.Region),
            DynamoDbEndpoint = Url(settings, SettingNames.DynamoDbEndpoint, required: false),
            SqsEndpoint = Url(settings, SettingNames.SqsEndpoint, required: false),
            LogFormat = settings(SettingNames.LogFormat) switch
            {
                null or "" or "json" => "json",
                "text" => "text",
                var other => throw new ApiConfigurationException(SettingNames.LogFormat, $"'{other}' is not json or text"),
            },
            Retention = settings(SettingNames.RetentionDays) switch
            {
                null or "" or "0" => null,
                var days when int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= 36_500 => TimeSpan.FromDays(value),
                var other => throw new ApiConfigurationException(SettingNames.RetentionDays, $"'{other}' is not a whole number of days (1-36500, or 0 to keep forever)"),
            },
        };
    }

    private static TimeSpan? Seconds(Func<string, string?> settings, string name, int min, int max) => settings(name) switch
    {
        null or "" => null,
        var text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max => TimeSpan.FromSeconds(value),
        var other => throw new ApiConfigurationException(name, $"'{other}' is not a whole number of seconds from {min} to {max}"),
    };

    private static string Required(Func<string, string?> settings, string name) =>
        settings(name) is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value)
            ? value.Trim()
            : throw new ApiConfigurationException(name, "is missing");

    private static Uri? Url(Func<string, string?> settings, string name, bool required)
    {
        var value = settings(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? throw new ApiConfigurationException(name, "is missing") : null;
        }

        return Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ApiConfigurationException(name, $"'{value}' is not an absolute http(s) URL");
    }
}

/// <summary>A missing or bad setting at start-up (reported to the Runtime API's init error).</summary>
public sealed class ApiConfigurationException(string setting, string problem)
    : Exception($"Setting {setting} {problem}.")
{
    public string Setting { get; } = setting;
}
