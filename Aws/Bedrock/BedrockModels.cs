using System.Text.Json;
using System.Text.Json.Serialization;

namespace AppSyncChat.Aws.Bedrock;

// The restJson1 shapes of Converse / ConverseStream (docs/aws-protocols.md §2.2–2.4). Unions are objects with
// exactly one non-null member. Unknown members are ignored when reading (System.Text.Json's default).

/// <summary>The body of <c>POST /model/{modelId}/converse</c> and <c>/converse-stream</c>.</summary>
public sealed record ConverseRequest
{
    public IReadOnlyList<BedrockMessage> Messages { get; init; } = [];

    public IReadOnlyList<SystemContentBlock>? System { get; init; }

    public InferenceConfiguration? InferenceConfig { get; init; }

    public ToolConfiguration? ToolConfig { get; init; }

    public GuardrailConfiguration? GuardrailConfig { get; init; }

    public JsonElement? AdditionalModelRequestFields { get; init; }

    public IReadOnlyList<string>? AdditionalModelResponseFieldPaths { get; init; }

    public IReadOnlyDictionary<string, string>? RequestMetadata { get; init; }
}

public sealed record BedrockMessage(string Role, IReadOnlyList<ContentBlock> Content);

/// <summary>ContentBlock union (text, toolUse, toolResult, reasoningContent are supported).</summary>
public sealed record ContentBlock
{
    public string? Text { get; init; }

    public ToolUseBlock? ToolUse { get; init; }

    public ToolResultBlock? ToolResult { get; init; }

    public ReasoningContentBlock? ReasoningContent { get; init; }
}

public sealed record ToolUseBlock(string ToolUseId, string Name, JsonElement Input);

public sealed record ToolResultBlock(string ToolUseId, IReadOnlyList<ToolResultContentBlock> Content)
{
    /// <summary><c>success</c> or <c>error</c>.</summary>
    public string? Status { get; init; }
}

/// <summary>ToolResultContentBlock union (json or text).</summary>
public sealed record ToolResultContentBlock
{
    public JsonElement? Json { get; init; }

    public string? Text { get; init; }
}

public sealed record ReasoningContentBlock
{
    public ReasoningTextBlock? ReasoningText { get; init; }

    /// <summary>Base64 of the redacted reasoning.</summary>
    public string? RedactedContent { get; init; }
}

public sealed record ReasoningTextBlock(string Text)
{
    public string? Signature { get; init; }
}

public sealed record SystemContentBlock(string Text);

public sealed record InferenceConfiguration
{
    public int? MaxTokens { get; init; }

    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public IReadOnlyList<string>? StopSequences { get; init; }
}

public sealed record ToolConfiguration(IReadOnlyList<BedrockTool> Tools)
{
    public ToolChoice? ToolChoice { get; init; }
}

public sealed record BedrockTool(ToolSpecification ToolSpec);

public sealed record ToolSpecification(string Name, ToolInputSchema InputSchema)
{
    public string? Description { get; init; }
}

public sealed record ToolInputSchema(JsonElement Json);

/// <summary>ToolChoice union: auto, any, or a named tool.</summary>
public sealed record ToolChoice
{
    public EmptyObject? Auto { get; init; }

    public EmptyObject? Any { get; init; }

    public SpecificToolChoice? Tool { get; init; }
}

public sealed record SpecificToolChoice(string Name);

/// <summary>A JSON <c>{}</c>.</summary>
public sealed record EmptyObject;

public sealed record GuardrailConfiguration(string GuardrailIdentifier, string GuardrailVersion)
{
    /// <summary><c>enabled</c>, <c>disabled</c> or <c>enabled_full</c>.</summary>
    public string? Trace { get; init; }

    /// <summary><c>sync</c> or <c>async</c> (ConverseStream only).</summary>
    public string? StreamProcessingMode { get; init; }
}

/// <summary>The Converse (non-streaming) response.</summary>
public sealed record ConverseResponse
{
    public ConverseOutput? Output { get; init; }

    public string? StopReason { get; init; }

    public TokenUsage? Usage { get; init; }

    public ConverseMetrics? Metrics { get; init; }

    public JsonElement? AdditionalModelResponseFields { get; init; }

    public JsonElement? Trace { get; init; }

    /// <summary>The <c>x-amzn-RequestId</c> of the response (not part of the body).</summary>
    [JsonIgnore]
    public string? RequestId { get; init; }
}

public sealed record ConverseOutput(BedrockMessage? Message);

public sealed record TokenUsage
{
    public int InputTokens { get; init; }

    public int OutputTokens { get; init; }

    public int TotalTokens { get; init; }

    public int? CacheReadInputTokens { get; init; }

    public int? CacheWriteInputTokens { get; init; }
}

public sealed record ConverseMetrics(long LatencyMs);

/// <summary>The JSON body of an HTTP error or a modeled stream exception.</summary>
public sealed record BedrockErrorBody
{
    public string? Message { get; init; }

    [JsonPropertyName("Message")]
    public string? MessageUpper { get; init; }

    [JsonPropertyName("__type")]
    public string? Type { get; init; }

    public string? Code { get; init; }

    public int? OriginalStatusCode { get; init; }

    public string? OriginalMessage { get; init; }
}
