using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Json;
using AppSyncChat.Api.Queries;
using AppSyncChat.Api.Resolver;
using AppSyncChat.Api.Validation;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Api.Creation;

/// <summary>
/// <c>createConversation</c>: an empty conversation owned by the caller, so a client can subscribe to its
/// channel before the first message and miss no event (docs/design-decisions.md, "createConversation, not
/// client-chosen ids"). Idempotent through the same records as sendMessage, in an order a retry can always
/// complete (Conversations/README.md): 1. record PENDING (reserves the conversation id) → 2. conversation
/// put-if-absent → 3. record DONE.
/// </summary>
public sealed partial class ConversationCreator(IConversationStore store, TimeProvider time, ILogger logger)
{
    public async Task<ConversationResult> CreateAsync(CreateConversationInput input, RequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var now = time.GetUtcNow();
        var newId = ChannelIds.NewId();
        var record = await store.ReserveConversationRequestAsync(
            new ConversationRequestRecord
            {
                OwnerId = context.OwnerId,
                ClientRequestId = input.ClientRequestId,
                Operation = TurnOperations.CreateConversation,
                Fingerprint = Fingerprint(input),
                State = TurnRequestStates.Pending,
                ConversationId = newId,
                CreatedAt = now,
            },
            cancellationToken).ConfigureAwait(false);
        if (record.Operation != TurnOperations.CreateConversation || record.Fingerprint != Fingerprint(input))
        {
            throw ApiErrors.RequestIdReused(input.ClientRequestId);
        }

        using var scope = logger.BeginScope(new LogScope(new("conversationId", record.ConversationId), new("clientRequestId", record.ClientRequestId)));
        var fresh = record.ConversationId == newId;
        var conversation = await store.CreateConversationAsync(
            new NewConversation(record.ConversationId, record.OwnerId, input.Title, input.Settings, record.CreatedAt),
            cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Conversation id '{record.ConversationId}' reserved by a createConversation record belongs to another owner.");
        if (record.State == TurnRequestStates.Pending)
        {
            await store.CompleteConversationRequestAsync(record, cancellationToken).ConfigureAwait(false);
        }

        if (fresh)
        {
            LogCreated(logger);
            return ConversationQueries.ToResult(conversation, []);
        }

        // A retry: the same conversation as it is now (messages may have been sent since).
        LogRetryAnswered(logger, record.State);
        var messages = await store.GetMessagesAsync(conversation.ConversationId, null, cancellationToken).ConfigureAwait(false);
        return ConversationQueries.ToResult(conversation, messages);
    }

    /// <summary>A hash of the input: the same client request id with another title or settings is refused.</summary>
    private static string Fingerprint(CreateConversationInput input)
    {
        var builder = new StringBuilder();
        Append(TurnOperations.CreateConversation);
        Append(input.Title);
        Append(input.Settings?.ModelId);
        Append(input.Settings?.MaxTokens?.ToString(CultureInfo.InvariantCulture));
        Append(input.Settings?.Temperature?.ToString("R", CultureInfo.InvariantCulture));
        Append(input.Settings?.TopP?.ToString("R", CultureInfo.InvariantCulture));
        Append(input.Settings?.SystemPrompt);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));

        void Append(string? value) => builder.Append(value is null ? "-;" : $"{value.Length}:{value};");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "createConversation created the conversation")]
    private static partial void LogCreated(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "createConversation retry answered from its idempotency record ({State})")]
    private static partial void LogRetryAnswered(ILogger logger, string state);
}
