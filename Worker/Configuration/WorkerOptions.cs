using System.Globalization;
using AppSyncChat.Contracts.Configuration;

namespace AppSyncChat.Worker.Configuration;

/// <summary>What a worker does when it takes over a turn whose previous worker died (expired lease).</summary>
public enum TakeoverMode
{
    /// <summary>Generate the answer again from the start: <c>turn.started</c> at offset 0 with a new turn number.</summary>
    Restart,

    /// <summary>
    /// Keep the checkpointed partial text and ask the model to continue it (assistant prefill):
    /// <c>turn.started</c> at the kept length. Only for models that accept a trailing assistant message.
    /// </summary>
    Continue,
}

/// <summary>
/// The Worker's settings, read once at start-up from the settings lookup and validated; immutable afterwards.
/// Every name is in <see cref="SettingNames"/>.
/// </summary>
public sealed record WorkerOptions
{
    public required string Region { get; init; }

    public required string TableName { get; init; }

    /// <summary>The queue the worker drains (optional for the Lambda host, which receives events from the event source).</summary>
    public Uri? QueueUrl { get; init; }

    public required Uri EventsHttpEndpoint { get; init; }

    public required string DefaultModelId { get; init; }

    public Uri? DynamoDbEndpoint { get; init; }

    public Uri? BedrockEndpoint { get; init; }

    public Uri? SqsEndpoint { get; init; }

    public bool JsonLogs { get; init; } = true;

    /// <summary>
    /// Offer the demo tools (<c>calculate</c>, <c>get_current_time</c>) to models that support tool use
    /// (<see cref="Tools.ToolUseSupport"/>). Off by default: a deployment offers them only when asked to; the Local stack
    /// turns them on.
    /// </summary>
    public bool DemoTools { get; init; }

    public TurnOptions Turn { get; init; } = new();
}

/// <summary>Tuning of one turn; the defaults are what production runs with.</summary>
public sealed record TurnOptions
{
    /// <summary>
    /// Coalescing window. 100 ms keeps one event per ~8 model tokens at 80 tokens/s (the benchmark's
    /// "≤ 1/8 of per-delta events" target) while the first piece of text still goes out at once.
    /// </summary>
    public TimeSpan CoalesceWindow { get; init; } = TimeSpan.FromMilliseconds(100);

    public int CoalesceMaxChars { get; init; } = 16 * 1024;

    public TimeSpan FirstByteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan BetweenBytesTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long before the invocation deadline the turn is ended (DeadlineExceeded): the time to publish what is
    /// left and store the final state. Must cover <see cref="EndOfTurnWorstCase"/> + <see cref="ResponseMargin"/>.
    /// </summary>
    public TimeSpan DeadlineMargin { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long before the invocation deadline the lease expires; at most <see cref="ResponseMargin"/>, so every write of the turn holds it.</summary>
    public TimeSpan LeaseMargin { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long before the invocation deadline the batch handler stops waiting for its records and answers
    /// (records still running are reported in <c>batchItemFailures</c>): the time to return the response.
    /// </summary>
    public TimeSpan ResponseMargin { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>HTTP attempts per AppSync Events publish (the first included).</summary>
    public int PublishMaxAttempts { get; init; } = 3;

    /// <summary>Time limit of one publish attempt (a timed-out attempt is retried).</summary>
    public TimeSpan PublishAttemptTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest backoff between publish attempts (also caps a server's Retry-After).</summary>
    public TimeSpan PublishMaxDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Time allowed for storing the final state: two single-item conditional writes and, on a failure, the
    /// retries' 100 + 200 ms pauses (a DynamoDB write takes a few ms; the store has no tighter own bound).
    /// </summary>
    public static readonly TimeSpan FinishAllowance = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest one settled publish can take: every HTTP attempt timing out with the longest backoffs
    /// between them, and that again for each re-publish of events the service listed in <c>failed[]</c>.
    /// </summary>
    public TimeSpan PublishWorstCase
    {
        get
        {
            var call = (PublishAttemptTimeout * PublishMaxAttempts) + (PublishMaxDelay * (PublishMaxAttempts - 1));
            var republishPauses = RepublishDelay * (MaxRepublishAttempts * (MaxRepublishAttempts + 1) / 2);
            return (call * (MaxRepublishAttempts + 1)) + republishPauses;
        }
    }

    /// <summary>
    /// The longest the end of a turn can take after its deadline: the publish in flight, then the final write,
    /// then one publish with the rest (≤ 5 events: what was pending becomes one or two text events, plus the
    /// terminal event).
    /// </summary>
    public TimeSpan EndOfTurnWorstCase => (PublishWorstCase * 2) + FinishAllowance;

    public TimeSpan CancelPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int HistoryMaxMessages { get; init; } = 40;

    public int HistoryMaxCharacters { get; init; } = 100_000;

    public int ModelMaxAttempts { get; init; } = 4;

    public TimeSpan ModelRetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan ModelRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Output limit when the request sets none. Bedrock reserves quota for input + maxTokens up front, and an
    /// unset maxTokens reserves the model's maximum — the most common cause of ThrottlingException.
    /// </summary>
    public int ModelMaxTokens { get; init; } = 4096;

    public int MaxToolRounds { get; init; } = 5;

    /// <summary>
    /// The largest answer, in UTF-8 bytes, over every model call and tool round of a turn. At it the model is
    /// stopped and the turn ends INTERRUPTED (<c>AnswerTooLarge</c>) with the text kept up to here. Never more than
    /// <see cref="Conversations.Table.ItemLimits.MaxMessageTextBytes"/>: past it no checkpoint or final write fits the item.
    /// </summary>
    public int AnswerMaxBytes { get; init; } = Conversations.Table.ItemLimits.MaxMessageTextBytes;

    public TimeSpan ToolTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TakeoverMode TakeoverMode { get; init; } = TakeoverMode.Restart;

    /// <summary>Per-event publish failures (<c>failed[]</c>) are re-published at most this many times.</summary>
    public int MaxRepublishAttempts { get; init; } = 1;

    public TimeSpan RepublishDelay { get; init; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>A setting is missing or invalid; start-up stops with the setting's name.</summary>
public sealed class WorkerConfigurationException(string settingName, string problem)
    : Exception($"Worker setting {settingName} {problem}.")
{
    public string SettingName { get; } = settingName;
}

/// <summary>Reads and validates <see cref="WorkerOptions"/> from a settings lookup.</summary>
public static class WorkerOptionsReader
{
    public static WorkerOptions Read(Func<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var defaults = new TurnOptions();
        var turn = new TurnOptions
        {
            CoalesceWindow = Millis(settings, SettingNames.CoalesceWindowMs, defaults.CoalesceWindow, 0, 10_000),
            CoalesceMaxChars = Int(settings, SettingNames.CoalesceMaxChars, defaults.CoalesceMaxChars, 1, 1_000_000),
            FirstByteTimeout = Millis(settings, SettingNames.FirstByteTimeoutMs, defaults.FirstByteTimeout, 1, 900_000),
            BetweenBytesTimeout = Millis(settings, SettingNames.BetweenBytesTimeoutMs, defaults.BetweenBytesTimeout, 1, 900_000),
            DeadlineMargin = Millis(settings, SettingNames.DeadlineMarginMs, defaults.DeadlineMargin, 0, 120_000),
            LeaseMargin = Millis(settings, SettingNames.LeaseMarginMs, defaults.LeaseMargin, 0, 120_000),
            ResponseMargin = Millis(settings, SettingNames.ResponseMarginMs, defaults.ResponseMargin, 100, 60_000),
            PublishMaxAttempts = Int(settings, SettingNames.PublishMaxAttempts, defaults.PublishMaxAttempts, 1, 10),
            PublishAttemptTimeout = Millis(settings, SettingNames.PublishAttemptTimeoutMs, defaults.PublishAttemptTimeout, 50, 60_000),
            PublishMaxDelay = Millis(settings, SettingNames.PublishMaxDelayMs, defaults.PublishMaxDelay, 0, 60_000),
            MaxRepublishAttempts = Int(settings, SettingNames.RepublishMaxAttempts, defaults.MaxRepublishAttempts, 0, 10),
            CancelPollInterval = Millis(settings, SettingNames.CancelPollMs, defaults.CancelPollInterval, 10, 60_000),
            CheckpointInterval = Millis(settings, SettingNames.CheckpointIntervalMs, defaults.CheckpointInterval, 50, 600_000),
            HistoryMaxMessages = Int(settings, SettingNames.HistoryMaxMessages, defaults.HistoryMaxMessages, 1, 10_000),
            HistoryMaxCharacters = Int(settings, SettingNames.HistoryMaxCharacters, defaults.HistoryMaxCharacters, 1, 10_000_000),
            ModelMaxAttempts = Int(settings, SettingNames.ModelMaxAttempts, defaults.ModelMaxAttempts, 1, 20),
            ModelMaxTokens = Int(settings, SettingNames.ModelMaxTokens, defaults.ModelMaxTokens, 1, 1_000_000),
            MaxToolRounds = Int(settings, SettingNames.MaxToolRounds, defaults.MaxToolRounds, 0, 50),
            AnswerMaxBytes = Int(settings, SettingNames.AnswerMaxBytes, defaults.AnswerMaxBytes, 1_024, Conversations.Table.ItemLimits.MaxMessageTextBytes),
            ToolTimeout = Millis(settings, SettingNames.ToolTimeoutMs, defaults.ToolTimeout, 1, 600_000),
            TakeoverMode = ReadTakeover(settings),
        };
        CheckTimeBudget(turn);

        var format = settings(SettingNames.LogFormat);
        var jsonLogs = format switch
        {
            null or "" or "json" => true,
            "text" => false,
            _ => throw new WorkerConfigurationException(SettingNames.LogFormat, $"must be 'json' or 'text', not '{format}'"),
        };

        return new WorkerOptions
        {
            Region = Required(settings, SettingNames.Region),
            TableName = Required(settings, SettingNames.TableName),
            QueueUrl = OptionalUri(settings, SettingNames.QueueUrl),
            EventsHttpEndpoint = OptionalUri(settings, SettingNames.EventsHttpEndpoint)
                ?? throw new WorkerConfigurationException(SettingNames.EventsHttpEndpoint, "is required"),
            DefaultModelId = Required(settings, SettingNames.DefaultModelId),
            DynamoDbEndpoint = OptionalUri(settings, SettingNames.DynamoDbEndpoint),
            BedrockEndpoint = OptionalUri(settings, SettingNames.BedrockEndpoint),
            SqsEndpoint = OptionalUri(settings, SettingNames.SqsEndpoint),
            JsonLogs = jsonLogs,
            DemoTools = Flag(settings, SettingNames.DemoTools),
            Turn = turn,
        };
    }

    /// <summary>
    /// The start-up checks of the end of a turn (docs/worker-timeouts.md): every write of the turn happens before
    /// the handler's cut-off and must still hold the lease; what is left after the turn's deadline must fit
    /// between that deadline and the cut-off.
    /// </summary>
    internal static void CheckTimeBudget(TurnOptions turn)
    {
        if (turn.LeaseMargin > turn.ResponseMargin)
        {
            throw new WorkerConfigurationException(SettingNames.LeaseMarginMs, $"({turn.LeaseMargin.TotalMilliseconds:0} ms) must not exceed {SettingNames.ResponseMarginMs} ({turn.ResponseMargin.TotalMilliseconds:0} ms): the lease must outlive the handler's cut-off, so every write of the turn still holds it");
        }

        var needed = turn.ResponseMargin + turn.EndOfTurnWorstCase;
        if (turn.DeadlineMargin < needed)
        {
            throw new WorkerConfigurationException(
                SettingNames.DeadlineMarginMs,
                string.Create(CultureInfo.InvariantCulture, $"({turn.DeadlineMargin.TotalMilliseconds:0} ms) must be at least {needed.TotalMilliseconds:0} ms: {SettingNames.ResponseMarginMs} ({turn.ResponseMargin.TotalMilliseconds:0}) + 2 × the worst-case publish ({turn.PublishWorstCase.TotalMilliseconds:0} ms from {SettingNames.PublishMaxAttempts}={turn.PublishMaxAttempts}, {SettingNames.PublishAttemptTimeoutMs}={turn.PublishAttemptTimeout.TotalMilliseconds:0}, {SettingNames.PublishMaxDelayMs}={turn.PublishMaxDelay.TotalMilliseconds:0}, {SettingNames.RepublishMaxAttempts}={turn.MaxRepublishAttempts}) + {TurnOptions.FinishAllowance.TotalMilliseconds:0} ms for the final write; raise it or lower those"));
        }
    }

    private static string Required(Func<string, string?> settings, string name)
    {
        var value = settings(name);
        return string.IsNullOrWhiteSpace(value) ? throw new WorkerConfigurationException(name, "is required") : value.Trim();
    }

    private static Uri? OptionalUri(Func<string, string?> settings, string name)
    {
        var value = settings(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : throw new WorkerConfigurationException(name, $"must be an absolute http(s) URL, not '{value}'");
    }

    private static int Int(Func<string, string?> settings, string name, int fallback, int min, int max)
    {
        var value = settings(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw new WorkerConfigurationException(name, $"must be an integer from {min} to {max}, not '{value}'");
    }

    private static bool Flag(Func<string, string?> settings, string name) => settings(name)?.Trim() switch
    {
        null or "" => false,
        var value when value.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
        var value when value.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
        var other => throw new WorkerConfigurationException(name, $"must be 'true' or 'false', not '{other}'"),
    };

    private static TimeSpan Millis(Func<string, string?> settings, string name, TimeSpan fallback, int min, int max) =>
        string.IsNullOrWhiteSpace(settings(name)) ? fallback : TimeSpan.FromMilliseconds(Int(settings, name, 0, min, max));

    private static TakeoverMode ReadTakeover(Func<string, string?> settings) => settings(SettingNames.TakeoverMode)?.Trim() switch
    {
        null or "" or "restart" => TakeoverMode.Restart,
        "continue" => TakeoverMode.Continue,
        var other => throw new WorkerConfigurationException(SettingNames.TakeoverMode, $"must be 'restart' or 'continue', not '{other}'"),
    };
}
