using System.Text.Json;
using System.Text.Json.Serialization;

namespace AppSyncChat.Aws.Bedrock;

/// <summary>One ConverseStream event (the payload of one event-stream frame; the frame's <c>:event-type</c> picks the type).</summary>
public abstract record ConverseStreamEvent;

public sealed record MessageStartEvent(string Role) : ConverseStreamEvent;

public sealed record ContentBlockStartEvent(int ContentBlockIndex, ContentBlockStart? Start) : ConverseStreamEvent;

/// <summary>ContentBlockStart union.</summary>
public sealed record ContentBlockStart
{
    public ToolUseBlockStart? ToolUse { get; init; }
}

public sealed record ToolUseBlockStart(string ToolUseId, string Name);

public sealed record ContentBlockDeltaEvent(int ContentBlockIndex, ContentBlockDelta? Delta) : ConverseStreamEvent;

/// <summary>ContentBlockDelta union: text, toolUse (a fragment of the input JSON text), reasoningContent.</summary>
public sealed record ContentBlockDelta
{
    public string? Text { get; init; }

    public ToolUseBlockDelta? ToolUse { get; init; }

    public ReasoningContentBlockDelta? ReasoningContent { get; init; }
}

public sealed record ToolUseBlockDelta(string Input);

public sealed record ReasoningContentBlockDelta
{
    public string? Text { get; init; }

    public string? Signature { get; init; }

    public string? RedactedContent { get; init; }
}

public sealed record ContentBlockStopEvent(int ContentBlockIndex) : ConverseStreamEvent;

public sealed record MessageStopEvent(string StopReason) : ConverseStreamEvent
{
    public JsonElement? AdditionalModelResponseFields { get; init; }
}

public sealed record MetadataEvent(TokenUsage Usage, ConverseMetrics? Metrics) : ConverseStreamEvent
{
    public JsonElement? Trace { get; init; }
}

/// <summary>An event type this client does not know (kept so nothing is silently lost).</summary>
public sealed record UnknownStreamEvent([property: JsonIgnore] string EventType, [property: JsonIgnore] byte[] Payload) : ConverseStreamEvent;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(ConverseRequest))]
[JsonSerializable(typeof(ConverseResponse))]
[JsonSerializable(typeof(BedrockErrorBody))]
[JsonSerializable(typeof(MessageStartEvent))]
[JsonSerializable(typeof(ContentBlockStartEvent))]
[JsonSerializable(typeof(ContentBlockDeltaEvent))]
[JsonSerializable(typeof(ContentBlockStopEvent))]
[JsonSerializable(typeof(MessageStopEvent))]
[JsonSerializable(typeof(MetadataEvent))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
public sealed partial class BedrockJsonContext : JsonSerializerContext;
