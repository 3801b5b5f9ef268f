using AppSyncChat.Contracts.Queue;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Conversations.Model;

public sealed record Conversation(
    string ConversationId,
    string OwnerId,
    string? Title,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ActiveMessageId)
{
    /// <summary>The newest message id of the conversation; new messages get ids after it.</summary>
    public string? LastMessageId { get; init; }

    /// <summary>The start of the newest message's text, for conversation lists.</summary>
    public string? LastMessagePreview { get; init; }

    /// <summary>
    /// Defaults for every answer of the conversation (set by <c>createConversation</c>); the settings of
    /// each request override them field by field (<see cref="ModelSettingsMerge"/>). Null when none were set.
    /// </summary>
    public ModelSettings? Settings { get; init; }
}

/// <summary>How a conversation's default settings and a request's settings combine.</summary>
public static class ModelSettingsMerge
{
    /// <summary>
    /// Each field of <paramref name="overrides"/> that is set wins; the others come from
    /// <paramref name="defaults"/>. Null when neither sets anything.
    /// </summary>
    public static ModelSettings? Under(ModelSettings? defaults, ModelSettings? overrides)
    {
        if (defaults is null || IsEmpty(defaults))
        {
            return overrides is null || IsEmpty(overrides) ? null : overrides;
        }

        if (overrides is null)
        {
            return defaults;
        }

        return new ModelSettings
        {
            ModelId = overrides.ModelId ?? defaults.ModelId,
            MaxTokens = overrides.MaxTokens ?? defaults.MaxTokens,
            Temperature = overrides.Temperature ?? defaults.Temperature,
            TopP = overrides.TopP ?? defaults.TopP,
            SystemPrompt = overrides.SystemPrompt ?? defaults.SystemPrompt,
        };
    }

    public static bool IsEmpty(ModelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.ModelId is null && settings.MaxTokens is null && settings.Temperature is null && settings.TopP is null && settings.SystemPrompt is null;
    }
}

/// <summary>A stored message. <see cref="Text"/> of a STREAMING message is the last checkpoint.</summary>
public sealed record ChatMessage
{
    public required string ConversationId { get; init; }

    /// <summary>Time-ordered id: messages of a conversation sort by it.</summary>
    public required string MessageId { get; init; }

    /// <summary><c>USER</c> or <c>ASSISTANT</c>.</summary>
    public required string Role { get; init; }

    public required string Text { get; init; }

    /// <summary>One of <see cref="AppSyncChat.Contracts.Conversations.MessageStatus"/>.</summary>
    public required string Status { get; init; }

    public int Turn { get; init; } = 1;

    /// <summary>Seq of the last stream event reflected in <see cref="Text"/>; -1 when none.</summary>
    public long Seq { get; init; } = -1;

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>For an assistant message: the user message it answers.</summary>
    public string? UserMessageId { get; init; }

    public ModelSettings? Settings { get; init; }

    public string? StopReason { get; init; }

    public TokenUsage? Usage { get; init; }

    public MessageError? Error { get; init; }

    public string? Checksum { get; init; }

    /// <summary>Set durably by stopGeneration; the worker polls it.</summary>
    public bool CancelRequested { get; init; }

    /// <summary>Who holds the turn (a worker instance id) and until when; null when nobody does.</summary>
    public TurnLease? Lease { get; init; }
}

public sealed record MessageError(string Code, string Message, bool Retryable);

public sealed record TurnLease(string Owner, DateTimeOffset ExpiresAt);

public static class Roles
{
    public const string User = "USER";
    public const string Assistant = "ASSISTANT";
}
