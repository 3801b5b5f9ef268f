using System.Text.Json;
using System.Text.RegularExpressions;
using AppSyncChat.Aws.Bedrock;

namespace AppSyncChat.Local.Bedrock;

/// <summary>Parses and checks a Converse body the way Bedrock does for the members the emulator supports.</summary>
internal static partial class ConverseRequestValidator
{
    public static ConverseRequest Parse(ReadOnlySpan<byte> body)
    {
        ConverseRequest? request;
        try
        {
            request = body.IsEmpty ? null : JsonSerializer.Deserialize(body, BedrockJsonContext.Default.ConverseRequest);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is null)
        {
            throw new EmulatorValidationException("Malformed input request, please reformat your input and try again.");
        }

        Validate(request);
        return request;
    }

    private static void Validate(ConverseRequest request)
    {
        if (request.Messages is not { Count: > 0 } messages || messages[0].Role != BedrockWireNames.RoleUser)
        {
            throw new EmulatorValidationException("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
        }

        var usesTools = false;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Role is not (BedrockWireNames.RoleUser or BedrockWireNames.RoleAssistant))
            {
                throw new EmulatorValidationException($"1 validation error detected: Value '{message.Role}' at 'messages.{i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]");
            }

            if (i > 0 && messages[i - 1].Role == message.Role)
            {
                throw new EmulatorValidationException("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.");
            }

            if (message.Content is not { Count: > 0 })
            {
                throw new EmulatorValidationException($"The content field in the Message object at messages.{i} is empty. Add a ContentBlock object to the content field and try again.");
            }

            for (var j = 0; j < message.Content.Count; j++)
            {
                var block = message.Content[j];
                var members = (block.Text is null ? 0 : 1) + (block.ToolUse is null ? 0 : 1) + (block.ToolResult is null ? 0 : 1) + (block.ReasoningContent is null ? 0 : 1);
                if (members != 1)
                {
                    throw new EmulatorValidationException($"The ContentBlock at messages.{i}.content.{j} must set exactly one of text, toolUse, toolResult or reasoningContent (other block types are not emulated).");
                }

                if (block.Text is { } text && string.IsNullOrWhiteSpace(text))
                {
                    throw new EmulatorValidationException($"The text field in the ContentBlock object at messages.{i}.content.{j} is blank. Add text to the text field, and try again.");
                }

                if (block.ToolUse is { } toolUse)
                {
                    usesTools = true;
                    if (message.Role != BedrockWireNames.RoleAssistant || !ToolUseId().IsMatch(toolUse.ToolUseId ?? string.Empty) || !ToolName().IsMatch(toolUse.Name ?? string.Empty))
                    {
                        throw new EmulatorValidationException($"The toolUse block at messages.{i}.content.{j} is invalid: it must be in an assistant message with a valid toolUseId and name.");
                    }
                }

                if (block.ToolResult is { } toolResult)
                {
                    usesTools = true;
                    var previousCalls = i > 0 ? messages[i - 1].Content.Where(b => b.ToolUse is not null).Select(b => b.ToolUse!.ToolUseId).ToHashSet(StringComparer.Ordinal) : [];
                    if (message.Role != BedrockWireNames.RoleUser || !previousCalls.Contains(toolResult.ToolUseId ?? string.Empty))
                    {
                        throw new EmulatorValidationException($"The toolResult block at messages.{i}.content.{j} does not match a toolUse block of the previous assistant turn.");
                    }

                    if (toolResult.Status is not (null or "success" or "error"))
                    {
                        throw new EmulatorValidationException($"Value '{toolResult.Status}' at 'messages.{i + 1}.member.content.{j + 1}.member.toolResult.status' failed to satisfy constraint: Member must satisfy enum value set: [success, error]");
                    }
                }
            }
        }

        if (usesTools && request.ToolConfig is null)
        {
            throw new EmulatorValidationException("The toolConfig field must be defined when using toolUse and toolResult content blocks.");
        }

        if (request.System?.Any(s => string.IsNullOrWhiteSpace(s.Text)) == true)
        {
            throw new EmulatorValidationException("The text field in the SystemContentBlock object is blank. Add text to the text field, and try again.");
        }

        if (request.InferenceConfig is { } config)
        {
            if (config.MaxTokens is < 1)
            {
                throw new EmulatorValidationException($"1 validation error detected: Value '{config.MaxTokens}' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1");
            }

            if (config.Temperature is < 0 or > 1)
            {
                throw new EmulatorValidationException($"1 validation error detected: Value '{config.Temperature}' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1 and greater than or equal to 0");
            }

            if (config.TopP is < 0 or > 1)
            {
                throw new EmulatorValidationException($"1 validation error detected: Value '{config.TopP}' at 'inferenceConfig.topP' failed to satisfy constraint: Member must have value less than or equal to 1 and greater than or equal to 0");
            }

            if (config.StopSequences?.Any(string.IsNullOrEmpty) == true)
            {
                throw new EmulatorValidationException("1 validation error detected: inferenceConfig.stopSequences members must have length greater than or equal to 1");
            }
        }

        if (request.ToolConfig is { } tools)
        {
            if (tools.Tools is not { Count: > 0 })
            {
                throw new EmulatorValidationException("The toolConfig field must have at least one tool.");
            }

            foreach (var tool in tools.Tools)
            {
                if (tool.ToolSpec is null || !ToolName().IsMatch(tool.ToolSpec.Name ?? string.Empty) || tool.ToolSpec.InputSchema is null || tool.ToolSpec.InputSchema.Json.ValueKind != JsonValueKind.Object)
                {
                    throw new EmulatorValidationException("Each tool needs a toolSpec with a name matching [a-zA-Z0-9_-]{1,64} and an inputSchema.json object.");
                }
            }
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_.:-]{1,64}$")]
    private static partial Regex ToolUseId();

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex ToolName();
}
