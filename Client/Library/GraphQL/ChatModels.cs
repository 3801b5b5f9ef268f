using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.GraphQL;

// Typed mirrors of Contracts/schema.graphql. Unknown response fields are ignored; absent optional
// fields stay null, so a newer server does not break an older client.

/// <summary>Model settings a caller may override per request (all optional).</summary>
public sealed record ModelSettingsInput
{
    public string? ModelId { get; init; }

    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public string? SystemPrompt { get; init; }
}

public sealed record SendMessageInput
{
    /// <summary>Null starts a new conversation.</summary>
    public string? ConversationId { get; init; }

    public required string Text { get; init; }

    /// <summary>Idempotency key (1-50 of [A-Za-z0-9-]); a retry with the same key returns the first result.</summary>
    public required string ClientRequestId { get; init; }

    public ModelSettingsInput? Settings { get; init; }
}

/// <summary>
/// <c>createConversation</c>: an empty conversation owned by the caller, to subscribe to before its first
/// message (so not even the first event is missed).
/// </summary>
public sealed record CreateConversationInput
{
    /// <summary>Idempotency key (1-50 of [A-Za-z0-9-]); a retry with the same key returns the same conversation.</summary>
    public required string ClientRequestId { get; init; }

    /// <summary>Null: the first message names the conversation (its first words).</summary>
    public string? Title { get; init; }

    /// <summary>Defaults for every answer; settings of a sendMessage or regenerate override them field by field.</summary>
    public ModelSettingsInput? Settings { get; init; }
}

/// <summary>A conversation's default model settings (GraphQL <c>ModelSettings</c>).</summary>
public sealed record ModelSettings
{
    public string? ModelId { get; init; }

    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public string? SystemPrompt { get; init; }
}

public sealed record RegenerateInput
{
    public required string ConversationId { get; init; }

    public required string ClientRequestId { get; init; }

    public ModelSettingsInput? Settings { get; init; }
}

public sealed record StopGenerationInput
{
    public required string ConversationId { get; init; }

    public required string MessageId { get; init; }
}

public sealed record SendMessageResult
{
    public required string ConversationId { get; init; }

    public required string UserMessageId { get; init; }

    public required string AssistantMessageId { get; init; }

    /// <summary>The AppSync Events channel that carries the answer (<c>/chat/&lt;conversationId&gt;</c>).</summary>
    public required string Channel { get; init; }

    public int Turn { get; init; }

    public required string Status { get; init; }
}

public sealed record StopGenerationResult
{
    public required string ConversationId { get; init; }

    public required string MessageId { get; init; }

    public required string Status { get; init; }

    public bool Accepted { get; init; }
}

/// <summary>The catch-up snapshot of a conversation (GraphQL <c>getConversation</c>).</summary>
public sealed record Conversation
{
    public required string ConversationId { get; init; }

    public string? Title { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public required string Channel { get; init; }

    /// <summary>The assistant message still QUEUED or STREAMING, if any.</summary>
    public string? ActiveMessageId { get; init; }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<Message> Messages { get; init; } = [];

    /// <summary>Defaults for every answer of this conversation (null when none were set).</summary>
    public ModelSettings? Settings { get; init; }
}

public sealed record Message
{
    public required string MessageId { get; init; }

    /// <summary><c>USER</c> or <c>ASSISTANT</c>.</summary>
    public required string Role { get; init; }

    public string Text { get; init; } = "";

    public required string Status { get; init; }

    public int Turn { get; init; } = 1;

    /// <summary>Seq of the last stream event reflected in <see cref="Text"/>; -1 when none.</summary>
    public long Seq { get; init; } = -1;

    /// <summary>Length of <see cref="Text"/> in UTF-16 code units.</summary>
    public long Offset { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public string? StopReason { get; init; }

    public TokenUsage? Usage { get; init; }

    public MessageError? Error { get; init; }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 text, once the message is final.</summary>
    public string? Checksum { get; init; }
}

public static class MessageRoles
{
    public const string User = "USER";
    public const string Assistant = "ASSISTANT";
}

public sealed record MessageError
{
    public required string Code { get; init; }

    public required string Message { get; init; }

    public bool Retryable { get; init; }
}

public sealed record ConversationPage
{
    public IReadOnlyList<ConversationSummary> Items { get; init; } = [];

    public string? NextToken { get; init; }
}

public sealed record ConversationSummary
{
    public required string ConversationId { get; init; }

    public string? Title { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public string? LastMessagePreview { get; init; }
}
