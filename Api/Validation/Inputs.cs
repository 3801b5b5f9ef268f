using System.Text.Json;
using System.Text.RegularExpressions;
using AppSyncChat.Api.Errors;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Queue;

namespace AppSyncChat.Api.Validation;

public sealed record SendMessageInput(string? ConversationId, string Text, string ClientRequestId, ModelSettings? Settings);

public sealed record RegenerateInput(string ConversationId, string ClientRequestId, ModelSettings? Settings);

public sealed record CreateConversationInput(string ClientRequestId, string? Title, ModelSettings? Settings);

public sealed record StopGenerationInput(string ConversationId, string MessageId);

public sealed record GetConversationInput(string ConversationId, int? MessageLimit);

public sealed record ListConversationsInput(int Limit, string? NextToken);

/// <summary>
/// Parses and validates the arguments of each field. Every rule lives here; a violation is a
/// <see cref="ValidationError"/> naming the field and what to change, raised before anything is stored.
/// </summary>
public static partial class Inputs
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:/-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ModelIdPattern();

    public static SendMessageInput SendMessage(JsonElement arguments)
    {
        var args = ArgumentReader.ForArguments(arguments);
        var input = args.RequiredObject("input");
        args.RejectUnknown();
        var conversationId = input.OptionalString("conversationId");
        var text = input.RequiredString("text");
        var clientRequestId = input.RequiredString("clientRequestId");
        var settings = Settings(input.OptionalObject("settings"));
        input.RejectUnknown();
        if (conversationId is not null)
        {
            Id(input.Path("conversationId"), conversationId);
        }

        Id(input.Path("clientRequestId"), clientRequestId);
        Text(input.Path("text"), text, ApiLimits.MaxTextLength, allowBlank: false);
        return new SendMessageInput(conversationId, text, clientRequestId, settings);
    }

    public static RegenerateInput Regenerate(JsonElement arguments)
    {
        var args = ArgumentReader.ForArguments(arguments);
        var input = args.RequiredObject("input");
        args.RejectUnknown();
        var conversationId = input.RequiredString("conversationId");
        var clientRequestId = input.RequiredString("clientRequestId");
        var settings = Settings(input.OptionalObject("settings"));
        input.RejectUnknown();
        Id(input.Path("conversationId"), conversationId);
        Id(input.Path("clientRequestId"), clientRequestId);
        return new RegenerateInput(conversationId, clientRequestId, settings);
    }

    public static CreateConversationInput CreateConversation(JsonElement arguments)
    {
        var args = ArgumentReader.ForArguments(arguments);
        var input = args.RequiredObject("input");
        args.RejectUnknown();
        var clientRequestId = input.RequiredString("clientRequestId");
        var title = input.OptionalString("title");
        var settings = Settings(input.OptionalObject("settings"));
        input.RejectUnknown();
        Id(input.Path("clientRequestId"), clientRequestId);
        if (title is not null)
        {
            Text(input.Path("title"), title, ApiLimits.MaxTitleLength, allowBlank: true);
        }

        // A blank title is no title: the first message names the conversation, as for sendMessage.
        return new CreateConversationInput(clientRequestId, string.IsNullOrWhiteSpace(title) ? null : title, settings);
    }

    public static StopGenerationInput StopGeneration(JsonElement arguments)
    {
        var args = ArgumentReader.ForArguments(arguments);
        var input = args.RequiredObject("input");
        args.RejectUnknown();
        var conversationId = input.RequiredString("conversationId");
        var messageId = input.RequiredString("messageId");
        input.RejectUnknown();
        Id(input.Path("conversationId"), conversationId);
        Id(input.Path("messageId"), messageId);
        return new StopGenerationInput(conversationId, messageId);
    }

    public static GetConversationInput GetConversation(JsonElement arguments)
    {
        var args = ArgumentReader.ForArguments(arguments);
        var conversationId = args.RequiredString("conversationId");
        var messageLimit = args.OptionalInt("messageLimit");
        args.RejectUnknown();
        Id("conversationId", conversationId);
        if (messageLimit is < 1 or > ApiLimits.MaxMessageLimit)
        {
            throw ApiErrors.InvalidField("messageLimit", $"must be between 1 and {ApiLimits.MaxMessageLimit} (omit it for every message)");
        }

        return new GetConversationInput(conversationId, messageLimit);
    }

    public static ListConversationsInput ListConversations(JsonElement arguments)
    {
        var args = ArgumentReader.ForArguments(arguments);
        var limit = args.OptionalInt("limit") ?? ApiLimits.DefaultListLimit;
        var nextToken = args.OptionalString("nextToken");
        args.RejectUnknown();
        if (limit is < 1 or > ApiLimits.MaxListLimit)
        {
            throw ApiErrors.InvalidField("limit", $"must be between 1 and {ApiLimits.MaxListLimit}");
        }

        if (nextToken is { Length: 0 or > ApiLimits.MaxNextTokenLength })
        {
            throw ApiErrors.InvalidField("nextToken", "is not a token returned by listConversations; start again without it");
        }

        return new ListConversationsInput(limit, nextToken);
    }

    private static ModelSettings? Settings(ArgumentReader? settings)
    {
        if (settings is null)
        {
            return null;
        }

        var modelId = settings.OptionalString("modelId");
        var maxTokens = settings.OptionalInt("maxTokens");
        var temperature = settings.OptionalFloat("temperature");
        var topP = settings.OptionalFloat("topP");
        var systemPrompt = settings.OptionalString("systemPrompt");
        settings.RejectUnknown();
        if (modelId is not null && (modelId.Length is 0 or > ApiLimits.MaxModelIdLength || !ModelIdPattern().IsMatch(modelId)))
        {
            throw ApiErrors.InvalidField(settings.Path("modelId"), $"must be a Bedrock model id, inference profile id or ARN (1-{ApiLimits.MaxModelIdLength} of letters, digits and . _ : / -)");
        }

        if (maxTokens is < ApiLimits.MinMaxTokens or > ApiLimits.MaxMaxTokens)
        {
            throw ApiErrors.InvalidField(settings.Path("maxTokens"), $"must be between {ApiLimits.MinMaxTokens} and {ApiLimits.MaxMaxTokens}");
        }

        if (temperature is < ApiLimits.MinTemperature or > ApiLimits.MaxTemperature)
        {
            throw ApiErrors.InvalidField(settings.Path("temperature"), $"must be between {ApiLimits.MinTemperature} and {ApiLimits.MaxTemperature}");
        }

        if (topP is < ApiLimits.MinTopP or > ApiLimits.MaxTopP)
        {
            throw ApiErrors.InvalidField(settings.Path("topP"), $"must be between {ApiLimits.MinTopP} and {ApiLimits.MaxTopP}");
        }

        if (systemPrompt is not null)
        {
            Text(settings.Path("systemPrompt"), systemPrompt, ApiLimits.MaxSystemPromptLength, allowBlank: true);
        }

        return new ModelSettings
        {
            ModelId = modelId,
            MaxTokens = maxTokens,
            Temperature = (float?)temperature,
            TopP = (float?)topP,
            SystemPrompt = string.IsNullOrWhiteSpace(systemPrompt) ? null : systemPrompt,
        };
    }

    private static void Id(string path, string value)
    {
        if (ChannelIds.Explain(value) is { } problem)
        {
            throw ApiErrors.InvalidField(path, problem);
        }
    }

    private static void Text(string path, string value, int maxLength, bool allowBlank)
    {
        if (!allowBlank && string.IsNullOrWhiteSpace(value))
        {
            throw ApiErrors.InvalidField(path, "must not be empty or only whitespace");
        }

        if (value.Length > maxLength)
        {
            throw ApiErrors.InvalidField(path, $"is {value.Length} characters long; the limit is {maxLength}");
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                throw ApiErrors.InvalidField(path, $"contains a NUL character at position {i}");
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw ApiErrors.InvalidField(path, $"contains an unpaired UTF-16 surrogate at position {i} (not valid Unicode text)");
            }
        }
    }
}
