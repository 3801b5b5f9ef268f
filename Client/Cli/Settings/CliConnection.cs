using System.Diagnostics;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Client;
using AppSyncChat.Client.Endpoints;
using AppSyncChat.Client.GraphQL;

namespace AppSyncChat.Cli.Settings;

/// <summary>A usage or configuration problem, with a message that says what to do (exit code 2, or 3 when the Local stack is missing).</summary>
public sealed class CliUsageException(string message, int exitCode = ExitCodes.Usage) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Raw values from flags (null when not given).</summary>
public sealed record CliConnectionFlags(
    string? GraphQLUrl, string? ApiKey, string? Token, string? EventsUrl, string? EventsRealtimeUrl, string? EventsApiKey, string? EndpointsFile);

/// <summary>
/// Where the CLI connects and how it authenticates. Each value comes from a flag, else an environment
/// variable, else the Local stack's <c>.local/endpoints.json</c> (searched from the current directory upwards).
/// </summary>
public sealed record CliConnection
{
    public required Uri GraphQLUrl { get; init; }

    public required GraphQLAuth GraphQLAuth { get; init; }

    public required Uri EventsHttpUrl { get; init; }

    public Uri? EventsRealtimeUrl { get; init; }

    public required EventsAuthorization EventsAuthorization { get; init; }

    /// <summary>True when the endpoints came from the Local stack's file (errors then suggest starting it).</summary>
    public bool FromLocalStack { get; init; }

    /// <summary>The endpoints file used, if any.</summary>
    public string? EndpointsFile { get; init; }

    public ChatClientOptions ToClientOptions() => new()
    {
        GraphQLUrl = GraphQLUrl,
        GraphQLAuth = GraphQLAuth,
        EventsHttpUrl = EventsHttpUrl,
        EventsRealtimeUrl = EventsRealtimeUrl,
        EventsAuthorization = EventsAuthorization,
    };

    public static async Task<CliConnection> ResolveAsync(CliConnectionFlags flags, CliEnvironment environment, CancellationToken cancellationToken)
    {
        string? Pick(string? flag, string variable) => !string.IsNullOrWhiteSpace(flag) ? flag : Blank(environment.GetVariable(variable));

        var graphQLUrl = Pick(flags.GraphQLUrl, CliSettingNames.GraphQLUrl);
        var apiKey = Pick(flags.ApiKey, CliSettingNames.ApiKey);
        var token = Pick(flags.Token, CliSettingNames.Token);
        var eventsUrl = Pick(flags.EventsUrl, CliSettingNames.EventsUrl);
        var realtimeUrl = Pick(flags.EventsRealtimeUrl, CliSettingNames.EventsRealtimeUrl);
        var eventsApiKey = Pick(flags.EventsApiKey, CliSettingNames.EventsApiKey);
        var explicitFile = Pick(flags.EndpointsFile, CliSettingNames.EndpointsFile);

        LocalEndpoints? local = null;
        var needsFile = graphQLUrl is null || eventsUrl is null || (apiKey is null && token is null);
        var file = explicitFile ?? (needsFile ? LocalEndpointsReader.Find(environment.CurrentDirectory) : null);
        if (explicitFile is not null && !File.Exists(explicitFile))
        {
            throw new CliUsageException($"the endpoints file {explicitFile} does not exist (from {CliSettingNames.EndpointsFileOption} or {CliSettingNames.EndpointsFile}).");
        }

        if (file is not null)
        {
            try
            {
                local = await LocalEndpointsReader.ReadAsync(file, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                throw new CliUsageException($"cannot read {file}: {ex.Message}");
            }

            if (local.ProcessId is { } pid && !IsRunning(pid) && graphQLUrl is null)
            {
                throw new CliUsageException(
                    $"{file} was written by a Local stack (pid {pid}) that is no longer running — {CliSettingNames.StartLocalHint}.",
                    ExitCodes.ConnectionOrAuth);
            }
        }

        graphQLUrl ??= local?.GraphQLUrl?.ToString();
        eventsUrl ??= local?.EventsHttpUrl?.ToString();
        realtimeUrl ??= eventsUrl == local?.EventsHttpUrl?.ToString() ? local?.EventsRealtimeUrl?.ToString() : null;
        apiKey ??= token is null ? local?.GraphQLApiKey : null;
        eventsApiKey ??= local?.EventsApiKey ?? apiKey;

        if (graphQLUrl is null || eventsUrl is null)
        {
            var missing = graphQLUrl is null
                ? $"no GraphQL endpoint: pass {CliSettingNames.GraphQLUrlOption} or set {CliSettingNames.GraphQLUrl}"
                : $"no AppSync Events endpoint: pass {CliSettingNames.EventsUrlOption} or set {CliSettingNames.EventsUrl}";
            throw file is null
                ? new CliUsageException($"{missing}; to use the local stack, {CliSettingNames.StartLocalHint} (it writes .local/endpoints.json).", ExitCodes.ConnectionOrAuth)
                : new CliUsageException($"{missing} ({file} does not name it).");
        }

        if (apiKey is null && token is null)
        {
            throw new CliUsageException($"no credentials for the GraphQL API: pass {CliSettingNames.ApiKeyOption} or {CliSettingNames.TokenOption}, or set {CliSettingNames.ApiKey} or {CliSettingNames.Token}.");
        }

        return new CliConnection
        {
            GraphQLUrl = ParseUrl(graphQLUrl, CliSettingNames.GraphQLUrlOption, CliSettingNames.GraphQLUrl, "http", "https"),
            GraphQLAuth = token is not null ? GraphQLAuth.Token(token) : GraphQLAuth.ApiKey(apiKey!),
            EventsHttpUrl = ParseUrl(eventsUrl, CliSettingNames.EventsUrlOption, CliSettingNames.EventsUrl, "http", "https"),
            EventsRealtimeUrl = realtimeUrl is null ? null : ParseUrl(realtimeUrl, CliSettingNames.EventsRealtimeUrlOption, CliSettingNames.EventsRealtimeUrl, "ws", "wss"),
            EventsAuthorization = eventsApiKey is not null ? EventsAuthorization.ApiKey(eventsApiKey) : EventsAuthorization.BearerToken(token!),
            FromLocalStack = local is not null && graphQLUrl == local.GraphQLUrl?.ToString(),
            EndpointsFile = file,
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static Uri ParseUrl(string value, string option, string variable, params string[] schemes)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !schemes.Contains(uri.Scheme))
        {
            throw new CliUsageException($"'{value}' is not a valid {string.Join("/", schemes)} URL ({option} / {variable}).");
        }

        return uri;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
