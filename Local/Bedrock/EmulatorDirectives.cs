using System.Globalization;
using System.Text.RegularExpressions;

namespace AppSyncChat.Local.Bedrock;

/// <summary>Which fault a request asks for with <c>[[fault=…]]</c>.</summary>
public enum EmulatorFault
{
    None,

    /// <summary><c>throttle</c>: HTTP 429 ThrottlingException before the stream.</summary>
    Throttle,

    /// <summary><c>stream-throttle</c>: a <c>throttlingException</c> frame mid-stream.</summary>
    StreamThrottle,

    /// <summary><c>stream-error</c>: a <c>modelStreamErrorException</c> frame mid-stream.</summary>
    StreamError,

    /// <summary><c>validation</c>: HTTP 400 ValidationException.</summary>
    Validation,
}

/// <summary>
/// The per-request <c>[[key=value]]</c> directives found in the last user message text (Local/Bedrock/README.md):
/// <c>ttft</c>, <c>rate</c>, <c>tokens</c>, <c>fault</c>, <c>at</c>, <c>stall</c>, <c>tool</c>.
/// </summary>
public sealed partial record EmulatorDirectives
{
    public TimeSpan? TimeToFirstToken { get; init; }

    public double? TokensPerSecond { get; init; }

    public int? AnswerTokens { get; init; }

    public EmulatorFault Fault { get; init; }

    /// <summary>The text-token index where a mid-stream fault or a stall happens.</summary>
    public int? At { get; init; }

    public TimeSpan? Stall { get; init; }

    public string? Tool { get; init; }

    public static EmulatorDirectives None { get; } = new();

    /// <summary>Parses and strips the directives. Throws <see cref="EmulatorValidationException"/> for an unknown key or a bad value.</summary>
    public static (EmulatorDirectives Directives, string Prompt) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var directives = new EmulatorDirectives();
        foreach (Match match in DirectivePattern().Matches(text))
        {
            var key = match.Groups["key"].Value.Trim().ToLowerInvariant();
            var value = match.Groups["value"].Value.Trim();
            directives = key switch
            {
                "ttft" => directives with { TimeToFirstToken = TimeSpan.FromMilliseconds(Number(key, value, 0, 600_000)) },
                "rate" => directives with { TokensPerSecond = Number(key, value, 0.001, 100_000) },
                "tokens" => directives with { AnswerTokens = (int)Number(key, value, 1, 100_000) },
                "at" => directives with { At = (int)Number(key, value, 0, 100_000) },
                "stall" => directives with { Stall = TimeSpan.FromMilliseconds(Number(key, value, 0, 600_000)) },
                "tool" when ToolName().IsMatch(value) => directives with { Tool = value },
                "fault" => directives with { Fault = ParseFault(value) },
                _ => throw new EmulatorValidationException($"Unknown or invalid emulator directive [[{key}={value}]]."),
            };
        }

        var prompt = WhitespaceRun().Replace(DirectivePattern().Replace(text, " "), " ").Trim();
        return (directives, prompt);
    }

    private static EmulatorFault ParseFault(string value) => value.ToLowerInvariant() switch
    {
        // "none" cancels a fault named earlier in the same text: two user messages in a row reach the model as one.
        "none" => EmulatorFault.None,
        "throttle" => EmulatorFault.Throttle,
        "stream-throttle" => EmulatorFault.StreamThrottle,
        "stream-error" => EmulatorFault.StreamError,
        "validation" => EmulatorFault.Validation,
        _ => throw new EmulatorValidationException($"Unknown fault '{value}' (none, throttle, stream-throttle, stream-error, validation)."),
    };

    private static double Number(string key, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new EmulatorValidationException($"Emulator directive [[{key}={value}]] needs a number between {min} and {max}.");

    [GeneratedRegex(@"\[\[\s*(?<key>[A-Za-z_-]+)\s*=\s*(?<value>[^\]]*?)\s*\]\]")]
    private static partial Regex DirectivePattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex ToolName();

    [GeneratedRegex(@"[ \t]{2,}")]
    private static partial Regex WhitespaceRun();
}

/// <summary>A request the emulator answers with HTTP 400 ValidationException.</summary>
public sealed class EmulatorValidationException(string message) : Exception(message);
