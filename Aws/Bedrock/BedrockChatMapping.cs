using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AppSyncChat.Aws.Bedrock;

/// <summary>Microsoft.Extensions.AI ⇄ Bedrock Converse shapes (see README.md for the table).</summary>
internal static class BedrockChatMapping
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static ConverseRequest ToRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, IChatClient client)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var baseline = options?.RawRepresentationFactory?.Invoke(client) as ConverseRequest ?? new ConverseRequest();

        var system = new List<SystemContentBlock>(baseline.System ?? []);
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            system.Add(new SystemContentBlock(options.Instructions));
        }

        var turns = new List<(string Role, List<ContentBlock> Blocks)>();
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System)
            {
                system.AddRange(message.Contents.OfType<TextContent>().Where(t => t.Text.Length > 0).Select(t => new SystemContentBlock(t.Text)));
                continue;
            }

            var role = message.Role == ChatRole.Assistant ? BedrockWireNames.RoleAssistant : BedrockWireNames.RoleUser;
            var blocks = message.Contents.Select(ToBlock).OfType<ContentBlock>().ToList();
            if (blocks.Count == 0)
            {
                continue;
            }

            // Bedrock requires alternating roles: consecutive messages of one role become one message.
            if (turns.Count > 0 && turns[^1].Role == role)
            {
                turns[^1].Blocks.AddRange(blocks);
            }
            else
            {
                turns.Add((role, blocks));
            }
        }

        return baseline with
        {
            Messages = [.. baseline.Messages, .. turns.Select(t => new BedrockMessage(t.Role, t.Blocks))],
            System = system.Count > 0 ? system : null,
            InferenceConfig = ToInferenceConfig(options, baseline.InferenceConfig),
            ToolConfig = ToToolConfig(options) ?? baseline.ToolConfig,
        };
    }

    public static AIContent? ToContent(ContentBlock block) => block switch
    {
        { Text: { } text } => new TextContent(text) { RawRepresentation = block },
        { ToolUse: { } tool } => new FunctionCallContent(tool.ToolUseId, tool.Name, ToArguments(tool.Input)) { RawRepresentation = block },
        { ReasoningContent: { } reasoning } => new TextReasoningContent(reasoning.ReasoningText?.Text ?? string.Empty)
        {
            ProtectedData = reasoning.ReasoningText?.Signature ?? reasoning.RedactedContent,
            RawRepresentation = block,
        },
        _ => null,
    };

    public static FunctionCallContent ToFunctionCall(string toolUseId, string name, string inputJson)
    {
        try
        {
            var input = string.IsNullOrWhiteSpace(inputJson) ? EmptyObject : JsonDocument.Parse(inputJson).RootElement.Clone();
            return new FunctionCallContent(toolUseId, name, ToArguments(input));
        }
        catch (JsonException ex)
        {
            return new FunctionCallContent(toolUseId, name) { Exception = ex };
        }
    }

    public static ChatFinishReason? ToFinishReason(string? stopReason) => stopReason switch
    {
        null => null,
        BedrockWireNames.EndTurn or BedrockWireNames.StopSequence => ChatFinishReason.Stop,
        BedrockWireNames.MaxTokens or BedrockWireNames.ModelContextWindowExceeded => ChatFinishReason.Length,
        BedrockWireNames.ToolUse => ChatFinishReason.ToolCalls,
        BedrockWireNames.GuardrailIntervened or BedrockWireNames.ContentFiltered => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(stopReason),
    };

    public static UsageDetails ToUsage(TokenUsage usage)
    {
        var details = new UsageDetails
        {
            InputTokenCount = usage.InputTokens,
            OutputTokenCount = usage.OutputTokens,
            TotalTokenCount = usage.TotalTokens,
            CachedInputTokenCount = usage.CacheReadInputTokens,
        };
        if (usage.CacheReadInputTokens is { } read)
        {
            (details.AdditionalCounts ??= [])[BedrockChatClient.CacheReadInputTokensKey] = read;
        }

        if (usage.CacheWriteInputTokens is { } write)
        {
            (details.AdditionalCounts ??= [])[BedrockChatClient.CacheWriteInputTokensKey] = write;
        }

        return details;
    }

    private static ContentBlock? ToBlock(AIContent content) => content switch
    {
        TextContent { Text.Length: 0 } => null,
        TextContent text => new ContentBlock { Text = text.Text },
        FunctionCallContent call => new ContentBlock { ToolUse = new ToolUseBlock(call.CallId, call.Name, ToJson(call.Arguments)) },
        FunctionResultContent result => new ContentBlock { ToolResult = ToToolResult(result) },
        TextReasoningContent { ProtectedData: { } signature } reasoning => new ContentBlock
        {
            ReasoningContent = new ReasoningContentBlock { ReasoningText = new ReasoningTextBlock(reasoning.Text) { Signature = signature } },
        },
        TextReasoningContent => null, // Bedrock rejects unsigned reasoning in history; it carries nothing the model needs.
        UsageContent => null,
        _ => throw new NotSupportedException($"BedrockChatClient does not send {content.GetType().Name} content (supported: text, function call/result, signed reasoning)."),
    };

    private static ToolResultBlock ToToolResult(FunctionResultContent result)
    {
        if (result.Exception is { } exception)
        {
            return new ToolResultBlock(result.CallId, [new ToolResultContentBlock { Text = exception.Message }]) { Status = "error" };
        }

        var block = result.Result switch
        {
            null => new ToolResultContentBlock { Text = string.Empty },
            string text => new ToolResultContentBlock { Text = text },
            JsonElement { ValueKind: JsonValueKind.Object } json => new ToolResultContentBlock { Json = json },
            JsonElement json => new ToolResultContentBlock { Text = json.GetRawText() },
            var other => ToJsonBlock(other),
        };
        return new ToolResultBlock(result.CallId, [block]) { Status = "success" };
    }

    // Bedrock's json tool-result member must be an object; anything else goes as its JSON text.
    private static ToolResultContentBlock ToJsonBlock(object value)
    {
        var json = JsonSerializer.SerializeToElement(value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()));
        return json.ValueKind == JsonValueKind.Object ? new ToolResultContentBlock { Json = json } : new ToolResultContentBlock { Text = json.GetRawText() };
    }

    private static InferenceConfiguration? ToInferenceConfig(ChatOptions? options, InferenceConfiguration? baseline)
    {
        if (options is null)
        {
            return baseline;
        }

        var config = (baseline ?? new InferenceConfiguration()) with
        {
            MaxTokens = options.MaxOutputTokens ?? baseline?.MaxTokens,
            Temperature = options.Temperature ?? baseline?.Temperature,
            TopP = options.TopP ?? baseline?.TopP,
            StopSequences = options.StopSequences is { Count: > 0 } stops ? [.. stops] : baseline?.StopSequences,
        };
        return config == new InferenceConfiguration() ? null : config;
    }

    private static ToolConfiguration? ToToolConfig(ChatOptions? options)
    {
        var tools = options?.Tools?.OfType<AIFunctionDeclaration>()
            .Select(f => new BedrockTool(new ToolSpecification(f.Name, new ToolInputSchema(f.JsonSchema))
            {
                Description = string.IsNullOrEmpty(f.Description) ? null : f.Description,
            }))
            .ToList();
        if (tools is not { Count: > 0 })
        {
            return null;
        }

        var choice = options!.ToolMode switch
        {
            RequiredChatToolMode { RequiredFunctionName: { } name } => new ToolChoice { Tool = new SpecificToolChoice(name) },
            RequiredChatToolMode => new ToolChoice { Any = new EmptyObject() },
            AutoChatToolMode => new ToolChoice { Auto = new EmptyObject() },
            _ => null,
        };
        return new ToolConfiguration(tools) { ToolChoice = choice };
    }

    private static Dictionary<string, object?> ToArguments(JsonElement input)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (input.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in input.EnumerateObject())
            {
                arguments[property.Name] = property.Value.Clone();
            }
        }

        return arguments;
    }

    private static JsonElement ToJson(IDictionary<string, object?>? arguments) =>
        arguments is null || arguments.Count == 0
            ? EmptyObject
            : JsonSerializer.SerializeToElement(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
}
