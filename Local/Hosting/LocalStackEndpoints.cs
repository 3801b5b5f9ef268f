using System.Text.Json;
using System.Text.Json.Serialization;

namespace AppSyncChat.Local.Hosting;

/// <summary>
/// Where everything listens, and how to authenticate: what the stack prints and writes to
/// <c>.local/endpoints.json</c> (one flat JSON object, camelCase; schema in Local/README.md).
/// Readers must ignore fields they do not know; fields are only ever added.
/// </summary>
public sealed record LocalStackEndpoints
{
    /// <summary>Version of this file's schema.</summary>
    public int SchemaVersion { get; init; } = 1;

    public required string Region { get; init; }

    public required string AccessKeyId { get; init; }

    public required string SecretAccessKey { get; init; }

    /// <summary>POST GraphQL here (<c>http://127.0.0.1:4000/graphql</c>).</summary>
    public required string GraphqlUrl { get; init; }

    /// <summary>Sent as <c>x-api-key</c> to the GraphQL endpoint.</summary>
    public required string GraphqlApiKey { get; init; }

    /// <summary>The GraphQL explorer page.</summary>
    public required string ExplorerUrl { get; init; }

    /// <summary>The web chat app (<c>web/app</c>, served by the sidecar at <c>/app/</c>).</summary>
    public string? WebAppUrl { get; init; }

    /// <summary>Bearer token of the local Cognito-like user (<c>Authorization</c> header), and its identity.</summary>
    public required string LocalUserToken { get; init; }

    public required string LocalUserSub { get; init; }

    /// <summary>AppSync Events HTTP publish endpoint (<c>…/event</c>).</summary>
    public string? EventsHttpUrl { get; init; }

    /// <summary>AppSync Events WebSocket endpoint (<c>ws://…/event/realtime</c>).</summary>
    public string? EventsRealtimeUrl { get; init; }

    /// <summary>The same two over TLS (self-signed; trust <see cref="EventsCertificatePath"/>).</summary>
    public string? EventsHttpsUrl { get; init; }

    public string? EventsRealtimeTlsUrl { get; init; }

    /// <summary>PEM of the Events emulator's self-signed certificate (for <c>NODE_EXTRA_CA_CERTS</c>).</summary>
    public string? EventsCertificatePath { get; init; }

    public required string EventsApiKey { get; init; }

    /// <summary>Bedrock Runtime emulator base URL (<c>/model/{id}/converse-stream</c> below it).</summary>
    public string? BedrockUrl { get; init; }

    public required string ModelId { get; init; }

    public required string DynamoDbUrl { get; init; }

    public required string TableName { get; init; }

    public required string SqsUrl { get; init; }

    public string? QueueUrl { get; init; }

    public string? DeadLetterQueueUrl { get; init; }

    /// <summary>Lambda Invoke API base URL (<c>/2015-03-31/functions/{name}/invocations</c> below it).</summary>
    public string? LambdaUrl { get; init; }

    public required string ApiFunctionName { get; init; }

    public required string WorkerFunctionName { get; init; }

    /// <summary>Process id of the Local stack (the .NET process).</summary>
    public required int ProcessId { get; init; }

    /// <summary>Process id of the Node sidecar child.</summary>
    public required int SidecarProcessId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, LocalHostingJsonContext.Default.LocalStackEndpoints);

    public static LocalStackEndpoints FromJson(string json) =>
        JsonSerializer.Deserialize(json, LocalHostingJsonContext.Default.LocalStackEndpoints)
        ?? throw new JsonException("The endpoints file holds no JSON object.");
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LocalStackEndpoints))]
[JsonSerializable(typeof(SidecarMessage))]
internal sealed partial class LocalHostingJsonContext : JsonSerializerContext;
