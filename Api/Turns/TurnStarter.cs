using System.Security.Cryptography;
using System.Text;
using AppSyncChat.Api.Configuration;
using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Json;
using AppSyncChat.Api.Resolver;
using AppSyncChat.Api.Tracing;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Conversations.Ids;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using System.Text.Json;
using SendMessageInput = AppSyncChat.Api.Validation.SendMessageInput;
using RegenerateInput = AppSyncChat.Api.Validation.RegenerateInput;

namespace AppSyncChat.Api.Turns;

/// <summary>
/// <c>sendMessage</c> and <c>regenerate</c>: start one assistant turn, idempotently, with single-item
/// writes in an order a retry can always complete (Conversations/README.md, "Write order"):
/// 1. idempotency record PENDING (reserves the ids) → 2. conversation created or locked for the new
/// assistant message (one running turn per conversation) → 3. user message, assistant message QUEUED →
/// 4. record ENQUEUING (one attempt wins) → 5. SQS send → 6. record DONE.
/// </summary>
public sealed partial class TurnStarter
{
    private const int MaxLockAttempts = 4;
    private const int TitleWords = 8;
    private const int TitleMaxLength = 60;

    private readonly IConversationStore _store;
    private readonly ITurnQueue _queue;
    private readonly ApiOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public TurnStarter(IConversationStore store, ITurnQueue queue, ApiOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _queue = queue;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public async Task<SendMessageResult> SendMessageAsync(SendMessageInput input, RequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var fingerprint = Fingerprint(TurnOperations.SendMessage, input.ConversationId, input.Text, input.Settings);
        Conversation? conversation = null;
        if (input.ConversationId is { } id)
        {
            conversation = await OwnConversationAsync(id, context, cancellationToken).ConfigureAwait(false);
        }

        // The conversation's defaults (createConversation) under this message's settings, field by field.
        var settings = ModelSettingsMerge.Under(conversation?.Settings, input.Settings);
        var plan = new TurnPlan(TurnOperations.SendMessage, input.ClientRequestId, fingerprint, input.Text, settings);
        if (conversation is not null)
        {
            if (!await IsFreeAsync(conversation, cancellationToken).ConfigureAwait(false))
            {
                // Busy: a retry of the request that runs it continues; anything else is a Conflict.
                return await ResumeExistingAsync(plan, context, cancellationToken).ConfigureAwait(false)
                    ?? throw ApiErrors.TurnRunning(conversation.ConversationId, conversation.ActiveMessageId!);
            }
        }

        // The reservation is a put-if-absent: a retry gets the existing record back and resumes it.
        var now = _time.GetUtcNow();
        var userMessageId = MessageIds.NewAfter(now, conversation?.LastMessageId);
        var record = new TurnRequestRecord
        {
            OwnerId = context.OwnerId,
            ClientRequestId = input.ClientRequestId,
            Operation = TurnOperations.SendMessage,
            Fingerprint = fingerprint,
            State = TurnRequestStates.Pending,
            ConversationId = conversation?.ConversationId ?? ChannelIds.NewId(),
            CreatesConversation = conversation is null,
            UserMessageId = userMessageId,
            AssistantMessageId = MessageIds.NewAfter(now, userMessageId),
            Turn = 1,
            CreatedAt = now,
        };
        var reserved = await _store.ReserveRequestAsync(record, cancellationToken).ConfigureAwait(false);
        return await ResumeAsync(reserved, plan, context, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SendMessageResult> RegenerateAsync(RegenerateInput input, RequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var fingerprint = Fingerprint(TurnOperations.Regenerate, input.ConversationId, null, input.Settings);
        var conversation = await OwnConversationAsync(input.ConversationId, context, cancellationToken).ConfigureAwait(false);
        var plan = new TurnPlan(TurnOperations.Regenerate, input.ClientRequestId, fingerprint, null, ModelSettingsMerge.Under(conversation.Settings, input.Settings));
        if (!await IsFreeAsync(conversation, cancellationToken).ConfigureAwait(false))
        {
            return await ResumeExistingAsync(plan, context, cancellationToken).ConfigureAwait(false)
                ?? throw ApiErrors.TurnRunning(conversation.ConversationId, conversation.ActiveMessageId!);
        }

        // A retry whose turn already finished finds the conversation free: answer it from its record
        // before choosing a prompt (the newest prompt may have changed since).
        if (await ResumeExistingAsync(plan, context, cancellationToken).ConfigureAwait(false) is { } retried)
        {
            return retried;
        }

        // The last user message, and the answers it already has (the new one is the next attempt).
        var recent = await _store.GetMessagesAsync(conversation.ConversationId, 100, cancellationToken).ConfigureAwait(false);
        var prompt = recent.LastOrDefault(m => m.Role == Roles.User);
        if (prompt is null && recent.Count == 100)
        {
            recent = await _store.GetMessagesAsync(conversation.ConversationId, null, cancellationToken).ConfigureAwait(false);
            prompt = recent.LastOrDefault(m => m.Role == Roles.User);
        }

        if (prompt is null)
        {
            throw ApiErrors.Validation($"Conversation '{conversation.ConversationId}' has no user message to answer again; use sendMessage.");
        }

        var answers = recent.Where(m => m.Role == Roles.Assistant && m.UserMessageId == prompt.MessageId).ToList();
        // The previous answer's settings stored what it ran with, conversation defaults included.
        var settings = ModelSettingsMerge.Under(conversation.Settings, input.Settings ?? answers.LastOrDefault()?.Settings);
        var now = _time.GetUtcNow();
        var record = new TurnRequestRecord
        {
            OwnerId = context.OwnerId,
            ClientRequestId = input.ClientRequestId,
            Operation = TurnOperations.Regenerate,
            Fingerprint = fingerprint,
            State = TurnRequestStates.Pending,
            ConversationId = conversation.ConversationId,
            CreatesConversation = false,
            UserMessageId = prompt.MessageId,
            AssistantMessageId = MessageIds.NewAfter(now, conversation.LastMessageId),
            Turn = answers.Count == 0 ? 1 : answers.Max(m => m.Turn) + 1,
            CreatedAt = now,
        };
        var reserved = await _store.ReserveRequestAsync(record, cancellationToken).ConfigureAwait(false);
        return await ResumeAsync(reserved, plan with { Settings = settings }, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Carries a request from whatever state its record is in to DONE.</summary>
    private async Task<SendMessageResult> ResumeAsync(TurnRequestRecord record, TurnPlan plan, RequestContext context, CancellationToken cancellationToken)
    {
        if (record.Operation != plan.Operation || record.Fingerprint != plan.Fingerprint)
        {
            throw ApiErrors.RequestIdReused(record.ClientRequestId);
        }

        using var scope = _logger.BeginScope(new LogScope(
            new("conversationId", record.ConversationId),
            new("messageId", record.AssistantMessageId),
            new("clientRequestId", record.ClientRequestId)));

        if (record.State == TurnRequestStates.Done)
        {
            LogRetryAnswered(_logger, record.Operation, record.State);
            return await ResultAsync(record, fresh: false, cancellationToken).ConfigureAwait(false);
        }

        if (record.State == TurnRequestStates.Pending)
        {
            record = await LockConversationAsync(record, plan, cancellationToken).ConfigureAwait(false);
            if (record.State == TurnRequestStates.Pending)
            {
                await StoreMessagesAsync(record, plan, cancellationToken).ConfigureAwait(false);
            }
        }

        return await EnqueueAsync(record, plan, context, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TurnRequestRecord> LockConversationAsync(TurnRequestRecord record, TurnPlan plan, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxLockAttempts; attempt++)
        {
            var started = await _store.StartTurnAsync(
                new StartTurnCommand(
                    record.ConversationId,
                    record.OwnerId,
                    record.CreatesConversation,
                    record.AssistantMessageId,
                    // Every sendMessage offers a title: it is stored only by the message that creates the
                    // conversation, or the first one into a conversation created without a title.
                    plan.UserText is not null ? Title(plan.UserText) : null,
                    plan.UserText is null ? null : DynamoConversationStore.Preview(plan.UserText)),
                cancellationToken).ConfigureAwait(false);
            switch (started.Status)
            {
                case StartTurnStatus.Started:
                    return record;
                case StartTurnStatus.NotFound:
                    await _store.ReleaseRequestAsync(record, cancellationToken).ConfigureAwait(false);
                    throw ApiErrors.ConversationNotFound(record.ConversationId);
                case StartTurnStatus.Busy when await TryRepairAsync(started.Conversation!, cancellationToken).ConfigureAwait(false):
                    continue;
                case StartTurnStatus.Busy:
                    await _store.ReleaseRequestAsync(record, cancellationToken).ConfigureAwait(false);
                    throw ApiErrors.TurnRunning(record.ConversationId, started.Conversation!.ActiveMessageId!);
                case StartTurnStatus.IdsTooOld when record.Operation == TurnOperations.Regenerate:
                    // A newer message arrived since this regenerate chose its prompt: it must choose again.
                    await _store.ReleaseRequestAsync(record, cancellationToken).ConfigureAwait(false);
                    throw ApiErrors.ConversationChanged(record.ConversationId);
                case StartTurnStatus.IdsTooOld:
                {
                    // The record's ids were reserved before newer messages were stored (an old PENDING
                    // request retried late): give it ids that sort last.
                    var now = _time.GetUtcNow();
                    var user = MessageIds.NewAfter(now, started.Conversation!.LastMessageId);
                    var reassigned = await _store.ReassignRequestIdsAsync(record, user, MessageIds.NewAfter(now, user), cancellationToken).ConfigureAwait(false);
                    record = reassigned ?? await _store.GetRequestAsync(record.OwnerId, record.ClientRequestId, cancellationToken).ConfigureAwait(false)
                        ?? throw ApiErrors.Internal("-", null);
                    if (record.State != TurnRequestStates.Pending)
                    {
                        return record; // A concurrent retry moved it on.
                    }

                    continue;
                }
            }
        }

        throw ApiErrors.RequestInProgress(record.ClientRequestId);
    }

    private async Task StoreMessagesAsync(TurnRequestRecord record, TurnPlan plan, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var writes = new List<Task<bool>>(2);
        if (record.Operation == TurnOperations.SendMessage)
        {
            // Independent items: written in parallel (each is put-if-absent, so a retry rewrites nothing).
            writes.Add(_store.PutMessageIfAbsentAsync(
                new ChatMessage
                {
                    ConversationId = record.ConversationId,
                    MessageId = record.UserMessageId,
                    Role = Roles.User,
                    Text = plan.UserText!,
                    Status = MessageStatus.Completed,
                    Turn = 1,
                    Seq = -1,
                    CreatedAt = now,
                    UpdatedAt = now,
                },
                cancellationToken));
        }

        writes.Add(_store.PutMessageIfAbsentAsync(
            new ChatMessage
            {
                ConversationId = record.ConversationId,
                MessageId = record.AssistantMessageId,
                Role = Roles.Assistant,
                Text = string.Empty,
                Status = MessageStatus.Queued,
                Turn = record.Turn,
                Seq = -1,
                CreatedAt = now,
                UpdatedAt = now,
                UserMessageId = record.UserMessageId,
                Settings = plan.Settings,
            },
            cancellationToken));
        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    private async Task<SendMessageResult> EnqueueAsync(TurnRequestRecord record, TurnPlan plan, RequestContext context, CancellationToken cancellationToken)
    {
        var wasEnqueuing = record.State == TurnRequestStates.Enqueuing;
        var now = _time.GetUtcNow();
        var claimed = await _store.TryBeginEnqueueAsync(record, now - _options.EnqueueTakeoverAfter, cancellationToken).ConfigureAwait(false);
        if (claimed is null && await _store.GetRequestAsync(record.OwnerId, record.ClientRequestId, cancellationToken).ConfigureAwait(false) is null)
        {
            // The record vanished under us: an identical concurrent request was refused (Conflict) and
            // released it after this one had read it. Our messages are stored and the conversation is
            // ours, so put the record back and carry on rather than leave a turn nobody enqueues.
            await _store.ReserveRequestAsync(record with { State = TurnRequestStates.Pending }, cancellationToken).ConfigureAwait(false);
            claimed = await _store.TryBeginEnqueueAsync(record, now - _options.EnqueueTakeoverAfter, cancellationToken).ConfigureAwait(false);
        }

        if (claimed is null)
        {
            // Another attempt is sending (or has sent) the queue message: the result is the same.
            LogRetryAnswered(_logger, record.Operation, "ENQUEUING");
            return await ResultAsync(record, fresh: false, cancellationToken).ConfigureAwait(false);
        }

        if (wasEnqueuing)
        {
            // Taking over an attempt that never reached DONE: if a worker already picked the turn up,
            // that attempt's message was sent; do not send a second one.
            var assistant = await _store.GetMessageAsync(claimed.ConversationId, claimed.AssistantMessageId, cancellationToken).ConfigureAwait(false);
            if (assistant is not null && assistant.Status != MessageStatus.Queued)
            {
                await _store.CompleteRequestAsync(claimed, null, cancellationToken).ConfigureAwait(false);
                return await ResultAsync(claimed, fresh: false, cancellationToken).ConfigureAwait(false);
            }
        }

        var settings = plan.Settings;
        if (claimed.Operation == TurnOperations.Regenerate)
        {
            // A regenerate's settings depend on the previous answer when it gives none: the first attempt
            // stored the ones it chose on the new message, and a retry must send exactly those.
            var stored = await _store.GetMessageAsync(claimed.ConversationId, claimed.AssistantMessageId, cancellationToken).ConfigureAwait(false);
            settings = stored is null ? settings : stored.Settings;
        }

        var request = new ChatTurnRequest
        {
            RequestId = claimed.ClientRequestId,
            ConversationId = claimed.ConversationId,
            UserMessageId = claimed.UserMessageId,
            AssistantMessageId = claimed.AssistantMessageId,
            Turn = claimed.Turn,
            Settings = settings,
            TraceParent = TraceParent.Create(context.TraceParentHeader, context.XRayTraceId),
            RequestedAtMs = now.ToUnixTimeMilliseconds(),
        };
        string queueMessageId;
        try
        {
            var message = new SendMessageRequest
            {
                QueueUrl = _options.QueueUrl,
                MessageBody = JsonSerializer.Serialize(request, ContractsJsonContext.Default.ChatTurnRequest),
                MessageAttributes = new Dictionary<string, MessageAttributeValue>
                {
                    [QueueAttributeNames.TraceParent] = new() { DataType = "String", StringValue = request.TraceParent },
                    [QueueAttributeNames.ConversationId] = new() { DataType = "String", StringValue = request.ConversationId },
                },
            };
            if (!string.IsNullOrEmpty(context.XRayTraceId))
            {
                message.MessageSystemAttributes = new Dictionary<string, MessageSystemAttributeValue>
                {
                    [MessageSystemAttributeNameForSends.AWSTraceHeader] = new() { DataType = "String", StringValue = context.XRayTraceId },
                };
            }

            queueMessageId = await _queue.SendAsync(
                message,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Let an immediate retry send again instead of waiting for the takeover delay.
            await _store.ReturnToPendingAsync(claimed, CancellationToken.None).ConfigureAwait(false);
            LogEnqueueFailed(_logger, ex);
            throw ApiErrors.Internal(context.AwsRequestId, ex, retryable: SqsTurnQueue.IsRetryable(ex));
        }

        await _store.CompleteRequestAsync(claimed, queueMessageId, cancellationToken).ConfigureAwait(false);
        LogEnqueued(_logger, claimed.Operation, queueMessageId, claimed.Turn);
        return await ResultAsync(claimed, fresh: true, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SendMessageResult> ResultAsync(TurnRequestRecord record, bool fresh, CancellationToken cancellationToken)
    {
        var status = MessageStatus.Queued;
        if (!fresh)
        {
            // A retry answers with the same ids and the turn's current status.
            var assistant = await _store.GetMessageAsync(record.ConversationId, record.AssistantMessageId, cancellationToken).ConfigureAwait(false);
            status = assistant?.Status ?? MessageStatus.Queued;
        }

        return new SendMessageResult(
            record.ConversationId,
            record.UserMessageId,
            record.AssistantMessageId,
            ChatChannels.ForConversation(record.ConversationId),
            record.Turn,
            status);
    }

    private async Task<Conversation> OwnConversationAsync(string conversationId, RequestContext context, CancellationToken cancellationToken)
    {
        var conversation = await _store.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
        return conversation is not null && conversation.OwnerId == context.OwnerId
            ? conversation
            : throw ApiErrors.ConversationNotFound(conversationId);
    }

    /// <summary>True when no other turn runs (after repairing a stuck one); checked before anything is written.</summary>
    private async Task<bool> IsFreeAsync(Conversation conversation, CancellationToken cancellationToken) =>
        conversation.ActiveMessageId is null || await TryRepairAsync(conversation, cancellationToken).ConfigureAwait(false);

    /// <summary>Resumes this owner's earlier request with the same client request id, if there is one.</summary>
    private async Task<SendMessageResult?> ResumeExistingAsync(TurnPlan plan, RequestContext context, CancellationToken cancellationToken)
    {
        var existing = await _store.GetRequestAsync(context.OwnerId, plan.ClientRequestId, cancellationToken).ConfigureAwait(false);
        return existing is null ? null : await ResumeAsync(existing, plan, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Frees a conversation whose active turn can no longer finish on its own: a final message (a finish
    /// that crashed between its two writes), a lock whose message was never written, or a turn abandoned
    /// for <see cref="ApiOptions.AbandonedTurnAfter"/>. True when the conversation may now be free.
    /// </summary>
    private async Task<bool> TryRepairAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        if (conversation.ActiveMessageId is not { } active)
        {
            return true;
        }

        var now = _time.GetUtcNow();
        var message = await _store.GetMessageAsync(conversation.ConversationId, active, cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            if (now - conversation.UpdatedAt < _options.OrphanLockAfter)
            {
                return false; // Its request may still be writing the messages.
            }

            LogRepaired(_logger, conversation.ConversationId, active, "orphan lock");
            await _store.ClearActiveMessageAsync(conversation.ConversationId, active, cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (MessageStatus.IsFinal(message.Status))
        {
            LogRepaired(_logger, conversation.ConversationId, active, "final message still marked active");
            await _store.ClearActiveMessageAsync(conversation.ConversationId, active, cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (TurnHealth.IsAbandoned(message, now, _options.AbandonedTurnAfter))
        {
            LogRepaired(_logger, conversation.ConversationId, active, "abandoned turn");
            await _store.AbandonTurnAsync(
                message,
                MessageStatus.Failed,
                new MessageError("TurnAbandoned", "No worker finished this answer in time; regenerate to try again.", true),
                cancellationToken).ConfigureAwait(false);
            return true;
        }

        return false;
    }

    /// <summary>The conversation title: the first words of the first message.</summary>
    public static string Title(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var title = string.Join(' ', words.Take(TitleWords));
        var truncated = words.Length > TitleWords;
        if (title.Length > TitleMaxLength)
        {
            var cut = TitleMaxLength - 1;
            if (char.IsHighSurrogate(title[cut - 1]))
            {
                cut--;
            }

            title = title[..cut].TrimEnd();
            truncated = true;
        }

        return truncated ? title + "…" : title;
    }

    /// <summary>A hash of everything that defines the request: the same id with another input is refused.</summary>
    private static string Fingerprint(string operation, string? conversationId, string? text, ModelSettings? settings)
    {
        var builder = new StringBuilder();
        Append(operation);
        Append(conversationId);
        Append(text);
        Append(settings?.ModelId);
        Append(settings?.MaxTokens?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Append(settings?.Temperature?.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Append(settings?.TopP?.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Append(settings?.SystemPrompt);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));

        void Append(string? value) => builder.Append(value is null ? "-;" : $"{value.Length}:{value};");
    }

    private sealed record TurnPlan(string Operation, string ClientRequestId, string Fingerprint, string? UserText, ModelSettings? Settings);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} enqueued turn {Turn} as SQS message {QueueMessageId}")]
    private static partial void LogEnqueued(ILogger logger, string operation, string queueMessageId, int turn);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} retry answered from its idempotency record ({State})")]
    private static partial void LogRetryAnswered(ILogger logger, string operation, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Freed conversation {ConversationId} from message {ActiveMessageId}: {Reason}")]
    private static partial void LogRepaired(ILogger logger, string conversationId, string activeMessageId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending the turn to SQS failed; the request can be retried")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception);
}

/// <summary>SQS message attribute names the Api sets on a <see cref="ChatTurnRequest"/>.</summary>
public static class QueueAttributeNames
{
    /// <summary>W3C trace context (also inside the body), for consumers that read attributes only.</summary>
    public const string TraceParent = "traceparent";

    public const string ConversationId = "conversationId";
}
