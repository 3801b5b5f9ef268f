using System.Globalization;
using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Json;
using AppSyncChat.Api.Resolver;
using AppSyncChat.Api.Validation;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;

namespace AppSyncChat.Api.Queries;

/// <summary><c>getConversation</c> (the catch-up snapshot) and <c>listConversations</c>.</summary>
public sealed class ConversationQueries(IConversationStore store)
{
    public async Task<ConversationResult> GetConversationAsync(GetConversationInput input, RequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var conversation = await store.GetConversationAsync(input.ConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null || conversation.OwnerId != context.OwnerId)
        {
            // The same answer for an unknown id and somebody else's.
            throw ApiErrors.ConversationNotFound(input.ConversationId);
        }

        var messages = await store.GetMessagesAsync(conversation.ConversationId, input.MessageLimit, cancellationToken).ConfigureAwait(false);
        return ToResult(conversation, messages);
    }

    public static ConversationResult ToResult(Conversation conversation, IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(messages);
        return new ConversationResult(
            conversation.ConversationId,
            conversation.Title,
            Time(conversation.CreatedAt),
            Time(conversation.UpdatedAt),
            ChatChannels.ForConversation(conversation.ConversationId),
            conversation.ActiveMessageId,
            messages.Select(ToResult).ToList(),
            conversation.Settings is { } s && !ModelSettingsMerge.IsEmpty(s)
                ? new ModelSettingsResult(s.ModelId, s.MaxTokens, s.Temperature, s.TopP, s.SystemPrompt)
                : null);
    }

    public async Task<ConversationPageResult> ListConversationsAsync(ListConversationsInput input, RequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        if (context.OwnerId == Owners.Anonymous)
        {
            // Every API-key caller is the same owner: a list would show each one everybody else's conversations.
            throw ApiErrors.ListNeedsIdentity();
        }

        ConversationPage page;
        try
        {
            page = await store.ListConversationsAsync(context.OwnerId, input.Limit, input.NextToken, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidPageTokenException ex)
        {
            throw ApiErrors.InvalidField("nextToken", ex.Message.TrimEnd('.'));
        }

        return new ConversationPageResult(
            page.Items.Select(s => new ConversationSummaryResult(s.ConversationId, s.Title, Time(s.CreatedAt), Time(s.UpdatedAt), s.LastMessagePreview)).ToList(),
            page.NextToken);
    }

    public static MessageResult ToResult(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var final = MessageStatus.IsFinal(message.Status);
        return new MessageResult(
            message.MessageId,
            message.Role,
            message.Text,
            message.Status,
            message.Turn,
            message.Seq,
            // UTF-16 code units: what live text.delta offsets count.
            message.Text.Length,
            Time(message.CreatedAt),
            Time(message.UpdatedAt),
            message.StopReason,
            message.Usage is { } usage ? new TokenUsageResult(usage.InputTokens, usage.OutputTokens, usage.TotalTokens) : null,
            message.Error is { } error ? new MessageErrorResult(error.Code, error.Message, error.Retryable) : null,
            final ? message.Checksum ?? TextChecksum.Of(message.Text) : null);
    }

    /// <summary>AWSDateTime: <c>YYYY-MM-DDThh:mm:ss.sssZ</c>.</summary>
    public static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
