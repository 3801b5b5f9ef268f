using System.Text.Json;

namespace AppSyncChat.Client.Endpoints;

/// <summary>
/// What a client needs from <c>.local/endpoints.json</c> (written by <c>dotnet run --project Local</c>; layout in Local/README.md).
/// Every field is optional: an older or newer Local stack may write fewer or more; callers check what
/// they need and say which field is missing.
/// </summary>
public sealed record LocalEndpoints
{
    /// <summary>GraphQL endpoint, e.g. <c>http://127.0.0.1:4000/graphql</c>.</summary>
    public Uri? GraphQLUrl { get; init; }

    /// <summary>API key accepted by the GraphQL endpoint.</summary>
    public string? GraphQLApiKey { get; init; }

    /// <summary>AppSync Events HTTP endpoint (<c>…/event</c>).</summary>
    public Uri? EventsHttpUrl { get; init; }

    /// <summary>AppSync Events WebSocket endpoint (<c>ws(s)://…/event/realtime</c>).</summary>
    public Uri? EventsRealtimeUrl { get; init; }

    /// <summary>API key for subscribing to AppSync Events.</summary>
    public string? EventsApiKey { get; init; }

    /// <summary>Bearer token of the local user (Cognito-like mode of the local GraphQL endpoint).</summary>
    public string? LocalUserToken { get; init; }

    public string? Region { get; init; }

    /// <summary>Process id of the Local stack that wrote the file (to tell a stale file from a running stack).</summary>
    public int? ProcessId { get; init; }

    /// <summary>Where it was read from (for error messages).</summary>
    public string? SourcePath { get; init; }
}

/// <summary>The wire shape of the endpoints file (Local/README.md), deserialized leniently (unknown fields ignored).</summary>
internal sealed record LocalEndpointsFile
{
    public int? SchemaVersion { get; init; }

    public string? GraphqlUrl { get; init; }

    public string? GraphqlApiKey { get; init; }

    public string? LocalUserToken { get; init; }

    public string? EventsHttpUrl { get; init; }

    public string? EventsRealtimeUrl { get; init; }

    public string? EventsApiKey { get; init; }

    public string? Region { get; init; }

    public int? ProcessId { get; init; }
}

/// <summary>Reads <c>.local/endpoints.json</c>; tolerant of missing and unknown fields.</summary>
public static class LocalEndpointsReader
{
    /// <summary>The file name under the repository's <c>.local</c> folder.</summary>
    public const string RelativePath = ".local/endpoints.json";

    /// <summary>
    /// Looks for <see cref="RelativePath"/> in <paramref name="startDirectory"/> and its parents (so the CLI works
    /// from anywhere inside the repository). Null when there is none.
    /// </summary>
    public static string? Find(string startDirectory)
    {
        for (var dir = new DirectoryInfo(startDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<LocalEndpoints> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var json = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(json, path);
    }

    /// <exception cref="FormatException">The text is not a JSON object, or a URL field is not an absolute URL.</exception>
    public static LocalEndpoints Parse(string json, string? sourcePath = null)
    {
        LocalEndpointsFile? file;
        try
        {
            file = JsonSerializer.Deserialize(json, ClientJsonContext.Default.LocalEndpointsFile);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{sourcePath ?? "endpoints file"} is not valid JSON: {ex.Message}", ex);
        }

        if (file is null)
        {
            throw new FormatException($"{sourcePath ?? "endpoints file"} does not hold a JSON object.");
        }

        return new LocalEndpoints
        {
            GraphQLUrl = Url(file.GraphqlUrl, "graphqlUrl", sourcePath),
            GraphQLApiKey = file.GraphqlApiKey,
            LocalUserToken = file.LocalUserToken,
            EventsHttpUrl = Url(file.EventsHttpUrl, "eventsHttpUrl", sourcePath),
            EventsRealtimeUrl = Url(file.EventsRealtimeUrl, "eventsRealtimeUrl", sourcePath),
            EventsApiKey = file.EventsApiKey,
            Region = file.Region,
            ProcessId = file.ProcessId,
            SourcePath = sourcePath,
        };
    }

    private static Uri? Url(string? value, string field, string? sourcePath)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new FormatException($"{sourcePath ?? "endpoints file"}: '{field}' is not an absolute URL ('{value}').");
    }
}
