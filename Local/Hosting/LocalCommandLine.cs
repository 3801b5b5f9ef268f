using System.Globalization;

namespace AppSyncChat.Local.Hosting;

/// <summary>The result of parsing <c>dotnet run --project Local -- [flags]</c>.</summary>
/// <param name="UseDefaultEndpointsFile">Write <c>.local/endpoints.json</c> under the repository root (no flag said otherwise).</param>
internal sealed record LocalCommand(LocalStackOptions Options, bool ShowHelp, bool UseDefaultEndpointsFile = false);

/// <summary>
/// Flags and environment variables of <c>dotnet run --project Local</c> (a flag wins over its variable).
/// Names live in <see cref="LocalSettingNames"/>.
/// </summary>
internal static class LocalCommandLine
{
    public static string HelpText => $"""
        Runs the whole AppSyncChat system on 127.0.0.1 (no AWS account needed).

        Usage: dotnet run --project Local -- [options]

        Ports (0 picks a free port):
          {LocalSettingNames.GraphQLPortFlag} <port>            GraphQL endpoint + explorer   (default 4000, {LocalSettingNames.GraphQLPort})
          {LocalSettingNames.EventsPortFlag} <port>             AppSync Events HTTP + WS      (default 4010, {LocalSettingNames.EventsPort})
          {LocalSettingNames.EventsTlsPortFlag} <port>         AppSync Events HTTPS + WSS    (default 4011, {LocalSettingNames.EventsTlsPort})
          {LocalSettingNames.BedrockPortFlag} <port>            Bedrock emulator              (default 4020, {LocalSettingNames.BedrockPort})
          {LocalSettingNames.DynamoDbPortFlag} <port>           DynamoDB (dynalite)           (default 4030, {LocalSettingNames.DynamoDbPort})
          {LocalSettingNames.SqsPortFlag} <port>                SQS (local-aws-sqs)           (default 4040, {LocalSettingNames.SqsPort})
          {LocalSettingNames.LambdaPortFlag} <port>             Lambda Invoke API             (default 4050, {LocalSettingNames.LambdaPort})

        Model defaults (a message can override them with [[ttft=..]] [[rate=..]] [[tokens=..]]):
          {LocalSettingNames.ModelIdFlag} <id>                  default model id              ({LocalSettingNames.ModelId})
          {LocalSettingNames.ModelTtftMsFlag} <ms>               time to first token           (default 400, {LocalSettingNames.ModelTtftMs})
          {LocalSettingNames.ModelTokensPerSecondFlag} <n>     tokens per second             (default 40, {LocalSettingNames.ModelTokensPerSecond})
          {LocalSettingNames.ModelAnswerTokensFlag} <n>         answer length in tokens       (default 120, {LocalSettingNames.ModelAnswerTokens})

        Files and tools:
          {LocalSettingNames.EndpointsFileFlag} <path>         where to write the endpoints  (default .local/endpoints.json, {LocalSettingNames.EndpointsFile})
          {LocalSettingNames.NoEndpointsFileFlag}               write no endpoints file
          {LocalSettingNames.NoWebAppFlag}                    do not build the web chat app (web/app; built when its sources change)
          {LocalSettingNames.NodePathFlag} <path>                      the Node.js executable         (default: node on PATH, {LocalSettingNames.NodePath})
          {LocalSettingNames.RepositoryRootFlag} <path>           the repository root            (default: found from the current folder)
          {LocalSettingNames.HelpFlag}                          this text

        Stop with Ctrl+C: every child process stops with it.
        """;

    /// <summary>Parses flags over environment variables over defaults; throws <see cref="LocalStackException"/> (InvalidOption) on bad input.</summary>
    public static LocalCommand Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var flags = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is LocalSettingNames.HelpFlag or "-h" or "-?")
            {
                return new LocalCommand(new LocalStackOptions(), ShowHelp: true);
            }

            if (arg is LocalSettingNames.NoEndpointsFileFlag or LocalSettingNames.NoWebAppFlag)
            {
                flags[arg] = null;
                continue;
            }

            string name;
            string? value;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                name = arg[..eq];
                value = arg[(eq + 1)..];
            }
            else
            {
                name = arg;
                value = i + 1 < args.Count ? args[++i] : throw LocalStackException.InvalidOption($"{arg} needs a value. See --help.");
            }

            if (!KnownValueFlags.Contains(name))
            {
                throw LocalStackException.InvalidOption($"Unknown option '{name}'. See --help.");
            }

            flags[name] = value;
        }

        string? Get(string flag, string variable) =>
            flags.TryGetValue(flag, out var v) ? v : environment(variable) is { Length: > 0 } e ? e : null;

        int PortOf(string flag, string variable, int fallback) =>
            Get(flag, variable) is { } text ? ParsePort(text, flag) : fallback;

        var defaults = LocalStackPorts.Default;
        var ports = new LocalStackPorts
        {
            GraphQL = PortOf(LocalSettingNames.GraphQLPortFlag, LocalSettingNames.GraphQLPort, defaults.GraphQL),
            EventsHttp = PortOf(LocalSettingNames.EventsPortFlag, LocalSettingNames.EventsPort, defaults.EventsHttp),
            EventsTls = PortOf(LocalSettingNames.EventsTlsPortFlag, LocalSettingNames.EventsTlsPort, defaults.EventsTls),
            Bedrock = PortOf(LocalSettingNames.BedrockPortFlag, LocalSettingNames.BedrockPort, defaults.Bedrock),
            DynamoDb = PortOf(LocalSettingNames.DynamoDbPortFlag, LocalSettingNames.DynamoDbPort, defaults.DynamoDb),
            Sqs = PortOf(LocalSettingNames.SqsPortFlag, LocalSettingNames.SqsPort, defaults.Sqs),
            Lambda = PortOf(LocalSettingNames.LambdaPortFlag, LocalSettingNames.LambdaPort, defaults.Lambda),
        };

        var model = LocalModelOptions.Default;
        if (Get(LocalSettingNames.ModelIdFlag, LocalSettingNames.ModelId) is { } modelId)
        {
            model = model with { ModelId = modelId };
        }

        if (Get(LocalSettingNames.ModelTtftMsFlag, LocalSettingNames.ModelTtftMs) is { } ttft)
        {
            model = model with { TimeToFirstToken = TimeSpan.FromMilliseconds(ParseNumber(ttft, LocalSettingNames.ModelTtftMsFlag, 0, 600_000)) };
        }

        if (Get(LocalSettingNames.ModelTokensPerSecondFlag, LocalSettingNames.ModelTokensPerSecond) is { } rate)
        {
            model = model with { TokensPerSecond = ParseNumber(rate, LocalSettingNames.ModelTokensPerSecondFlag, 0.1, 1_000_000) };
        }

        if (Get(LocalSettingNames.ModelAnswerTokensFlag, LocalSettingNames.ModelAnswerTokens) is { } tokens)
        {
            model = model with { AnswerTokens = (int)ParseNumber(tokens, LocalSettingNames.ModelAnswerTokensFlag, 1, 100_000) };
        }

        var repositoryRoot = flags.GetValueOrDefault(LocalSettingNames.RepositoryRootFlag);
        var noEndpointsFile = flags.ContainsKey(LocalSettingNames.NoEndpointsFileFlag);
        var endpointsFile = noEndpointsFile ? null : Get(LocalSettingNames.EndpointsFileFlag, LocalSettingNames.EndpointsFile);

        var options = new LocalStackOptions
        {
            Ports = ports,
            Model = model,
            RepositoryRoot = repositoryRoot,
            EndpointsFilePath = endpointsFile is null ? null : Path.GetFullPath(endpointsFile),
            NodePath = Get(LocalSettingNames.NodePathFlag, LocalSettingNames.NodePath) ?? "node",
            BuildWebApp = !flags.ContainsKey(LocalSettingNames.NoWebAppFlag),
        };
        return new LocalCommand(options, ShowHelp: false, UseDefaultEndpointsFile: !noEndpointsFile && endpointsFile is null);
    }

    private static readonly HashSet<string> KnownValueFlags =
    [
        LocalSettingNames.GraphQLPortFlag,
        LocalSettingNames.EventsPortFlag,
        LocalSettingNames.EventsTlsPortFlag,
        LocalSettingNames.BedrockPortFlag,
        LocalSettingNames.DynamoDbPortFlag,
        LocalSettingNames.SqsPortFlag,
        LocalSettingNames.LambdaPortFlag,
        LocalSettingNames.EndpointsFileFlag,
        LocalSettingNames.NodePathFlag,
        LocalSettingNames.RepositoryRootFlag,
        LocalSettingNames.ModelIdFlag,
        LocalSettingNames.ModelTtftMsFlag,
        LocalSettingNames.ModelTokensPerSecondFlag,
        LocalSettingNames.ModelAnswerTokensFlag,
    ];

    private static int ParsePort(string text, string flag) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw LocalStackException.InvalidOption($"{flag} must be a port number between 0 and 65535, got '{text}'.");

    private static double ParseNumber(string text, string flag, double min, double max) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw LocalStackException.InvalidOption($"{flag} must be a number between {min} and {max}, got '{text}'.");
}
