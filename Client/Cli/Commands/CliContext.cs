using System.CommandLine;
using AppSyncChat.Cli.Settings;
using AppSyncChat.Client;
using AppSyncChat.Contracts.Channels;

namespace AppSyncChat.Cli.Commands;

/// <summary>One run of the CLI: its environment, the global options, and the connection once resolved (for error messages).</summary>
public sealed class CliContext(CliEnvironment environment)
{
    public CliEnvironment Environment { get; } = environment;

    public CliConnection? Connection { get; private set; }

    public Option<string?> GraphQLUrl { get; } = Global(CliSettingNames.GraphQLUrlOption, $"GraphQL endpoint (env {CliSettingNames.GraphQLUrl}; default: the local stack)");

    public Option<string?> ApiKey { get; } = Global(CliSettingNames.ApiKeyOption, $"GraphQL API key (env {CliSettingNames.ApiKey})");

    public Option<string?> Token { get; } = Global(CliSettingNames.TokenOption, $"Bearer token (Cognito/OIDC) instead of an API key (env {CliSettingNames.Token})");

    public Option<string?> EventsUrl { get; } = Global(CliSettingNames.EventsUrlOption, $"AppSync Events HTTP endpoint, …/event (env {CliSettingNames.EventsUrl})");

    public Option<string?> EventsRealtimeUrl { get; } = Global(CliSettingNames.EventsRealtimeUrlOption, $"AppSync Events WebSocket endpoint (env {CliSettingNames.EventsRealtimeUrl}; default: derived from --events-url)");

    public Option<string?> EventsApiKey { get; } = Global(CliSettingNames.EventsApiKeyOption, $"AppSync Events API key (env {CliSettingNames.EventsApiKey}; default: the GraphQL API key)");

    public Option<string?> EndpointsFile { get; } = Global(CliSettingNames.EndpointsFileOption, $"Endpoints file of the local stack (env {CliSettingNames.EndpointsFile}; default: .local/endpoints.json found upwards)");

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Print every catch-up step (snapshots, resyncs, timings) on stderr", Recursive = true };

    public IEnumerable<Option> GlobalOptions => [GraphQLUrl, ApiKey, Token, EventsUrl, EventsRealtimeUrl, EventsApiKey, EndpointsFile, Verbose];

    public Rendering.AnswerRenderer NewRenderer(ParseResult parse) =>
        new(Environment.Out, Environment.Error, Environment.TimeProvider, parse.GetValue(Verbose), Environment.OutputIsRedirected);

    public async Task<ChatClient> ConnectAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var flags = new CliConnectionFlags(
            parse.GetValue(GraphQLUrl), parse.GetValue(ApiKey), parse.GetValue(Token), parse.GetValue(EventsUrl),
            parse.GetValue(EventsRealtimeUrl), parse.GetValue(EventsApiKey), parse.GetValue(EndpointsFile));
        Connection = await CliConnection.ResolveAsync(flags, Environment, cancellationToken).ConfigureAwait(false);
        return Environment.ClientFactory(Connection.ToClientOptions());
    }

    /// <summary>Checks an id from the command line against the channel-segment rule.</summary>
    public static string RequireId(string? value, string what)
    {
        if (ChannelIds.Explain(value) is { } why)
        {
            throw new CliUsageException($"{what} {why} (got '{value}').");
        }

        return value!;
    }

    private static Option<string?> Global(string name, string description) => new(name) { Description = description, Recursive = true };
}
