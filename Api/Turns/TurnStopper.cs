using AppSyncChat.Api.Configuration;
using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Json;
using AppSyncChat.Api.Resolver;
using AppSyncChat.Api.Validation;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Api.Turns;

/// <summary>
/// <c>stopGeneration</c>: records the cancel durably on the message; the worker polls the flag, stops
/// reading the model, publishes <c>turn.cancelled</c> and stores CANCELLED with the partial text.
/// A finished message is left as it is (accepted = false). A turn no worker holds (STREAMING with an
/// expired lease, or QUEUED past <see cref="ApiOptions.AbandonedTurnAfter"/>) is finished CANCELLED here,
/// since no worker would notice the flag.
/// </summary>
public sealed partial class TurnStopper(IConversationStore store, ApiOptions options, TimeProvider time, ILogger logger)
{
    public async Task<StopGenerationResult> StopAsync(StopGenerationInput input, RequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var conversation = await store.GetConversationAsync(input.ConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null || conversation.OwnerId != context.OwnerId)
        {
            throw ApiErrors.ConversationNotFound(input.ConversationId);
        }

        var message = await store.GetMessageAsync(input.ConversationId, input.MessageId, cancellationToken).ConfigureAwait(false)
            ?? throw ApiErrors.MessageNotFound(input.ConversationId, input.MessageId);
        if (message.Role != Roles.Assistant || MessageStatus.IsFinal(message.Status))
        {
            return new StopGenerationResult(message.ConversationId, message.MessageId, message.Status, Accepted: false);
        }

        var after = await store.RequestCancelAsync(input.ConversationId, input.MessageId, cancellationToken).ConfigureAwait(false) ?? message;
        if (MessageStatus.IsFinal(after.Status))
        {
            return new StopGenerationResult(after.ConversationId, after.MessageId, after.Status, Accepted: false);
        }

        LogCancelRecorded(logger, after.ConversationId, after.MessageId, after.Status);
        var now = time.GetUtcNow();
        if (TurnHealth.HasNoLiveWorker(after, now) || TurnHealth.IsAbandoned(after, now, options.AbandonedTurnAfter))
        {
            var finished = await store.AbandonTurnAsync(
                after,
                MessageStatus.Cancelled,
                new MessageError("Cancelled", "Stopped by the user while no worker was running the answer.", false),
                cancellationToken).ConfigureAwait(false);
            if (finished)
            {
                return new StopGenerationResult(after.ConversationId, after.MessageId, MessageStatus.Cancelled, Accepted: true);
            }

            after = await store.GetMessageAsync(input.ConversationId, input.MessageId, cancellationToken).ConfigureAwait(false) ?? after;
        }

        return new StopGenerationResult(after.ConversationId, after.MessageId, after.Status, Accepted: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cancel recorded for {ConversationId}/{MessageId} ({Status})")]
    private static partial void LogCancelRecorded(ILogger logger, string conversationId, string messageId, string status);
}
