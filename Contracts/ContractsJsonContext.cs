using System.Text.Json.Serialization;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Contracts;

/// <summary>
/// The one source-generated JSON context for everything that crosses a process boundary: camelCase,
/// nulls omitted, the <c>type</c> discriminator accepted anywhere in the object.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(StreamEvent))]
[JsonSerializable(typeof(ChatTurnRequest))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
