using System.Text.Json.Serialization;

namespace AppSyncChat.Api.Json;

// The GraphQL result shapes of schema.graphql, as the resolver returns them (AppSync maps the returned
// JSON onto the selection set). Dates are AWSDateTime strings.

public sealed record SendMessageResult(
    string ConversationId,
    string UserMessageId,
    string AssistantMessageId,
    string Channel,
    int Turn,
    string Status);

public sealed record StopGenerationResult(string ConversationId, string MessageId, string Status, bool Accepted);

public sealed record ConversationResult(
    string ConversationId,
    string? Title,
    string CreatedAt,
    string UpdatedAt,
    string Channel,
    string? ActiveMessageId,
    IReadOnlyList<MessageResult> Messages,
    ModelSettingsResult? Settings);

public sealed record ModelSettingsResult(string? ModelId, int? MaxTokens, float? Temperature, float? TopP, string? SystemPrompt);

public sealed record MessageResult(
    string MessageId,
    string Role,
    string Text,
    string Status,
    int Turn,
    long Seq,
    int Offset,
    string CreatedAt,
    string UpdatedAt,
    string? StopReason,
    TokenUsageResult? Usage,
    MessageErrorResult? Error,
    string? Checksum);

public sealed record TokenUsageResult(int InputTokens, int OutputTokens, int TotalTokens);

public sealed record MessageErrorResult(string Code, string Message, bool Retryable);

public sealed record ConversationPageResult(IReadOnlyList<ConversationSummaryResult> Items, string? NextToken);

public sealed record ConversationSummaryResult(string ConversationId, string? Title, string CreatedAt, string UpdatedAt, string? LastMessagePreview);

/// <summary>One item of a BatchInvoke response (docs/aws-protocols.md §7.1; the per-item error shape is UNCONFIRMED).</summary>
public sealed record BatchItemResult
{
    public System.Text.Json.JsonElement? Data { get; init; }

    public string? ErrorType { get; init; }

    public string? ErrorMessage { get; init; }
}

/// <summary>The Api's JSON source-generation context: camelCase, nulls written (GraphQL nullable fields).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SendMessageResult))]
[JsonSerializable(typeof(StopGenerationResult))]
[JsonSerializable(typeof(ConversationResult))]
[JsonSerializable(typeof(ConversationPageResult))]
[JsonSerializable(typeof(List<BatchItemResult>))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
