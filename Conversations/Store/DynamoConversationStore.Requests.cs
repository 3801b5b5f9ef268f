using Amazon.DynamoDBv2.Model;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Table;
using static AppSyncChat.Conversations.Table.Items;

namespace AppSyncChat.Conversations.Store;

/// <summary>
/// The Api's writes: the idempotency record, the conversation's one-running-turn lock, the messages, and
/// the repairs of state that a crash between single-item writes can leave behind.
/// </summary>
public sealed partial class DynamoConversationStore
{
    public async Task<TurnRequestRecord> ReserveRequestAsync(TurnRequestRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var item = ToItem(record with { State = TurnRequestStates.Pending }, (record.CreatedAt + _options.RequestRetention).ToUnixTimeSeconds());
        if (await TryPutAsync(item, cancellationToken).ConfigureAwait(false))
        {
            return record with { State = TurnRequestStates.Pending };
        }

        return await GetRequestAsync(record.OwnerId, record.ClientRequestId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The idempotency record vanished between a failed put and a consistent read.");
    }

    public async Task<TurnRequestRecord?> GetRequestAsync(string ownerId, string clientRequestId, CancellationToken cancellationToken)
    {
        var item = await GetItemAsync(RequestKey(ownerId, clientRequestId), cancellationToken).ConfigureAwait(false);
        return item is null ? null : ToRequest(item);
    }

    public async Task<bool> ReleaseRequestAsync(TurnRequestRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            await _client.DeleteItemAsync(
                new DeleteItemRequest
                {
                    TableName = _options.TableName,
                    Key = RequestKey(record.OwnerId, record.ClientRequestId),
                    ConditionExpression = "#state = :pending AND #assistantMessageId = :assistant",
                    ExpressionAttributeNames = NamesIn("#state #assistantMessageId"),
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":pending"] = S(TurnRequestStates.Pending),
                        [":assistant"] = S(record.AssistantMessageId),
                    },
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<TurnRequestRecord?> ReassignRequestIdsAsync(TurnRequestRecord record, string userMessageId, string assistantMessageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var updated = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = RequestKey(record.OwnerId, record.ClientRequestId),
                ConditionExpression = "#state = :pending AND #assistantMessageId = :oldAssistant",
                UpdateExpression = "SET #userMessageId = :user, #assistantMessageId = :assistant",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":pending"] = S(TurnRequestStates.Pending),
                    [":oldAssistant"] = S(record.AssistantMessageId),
                    [":user"] = S(userMessageId),
                    [":assistant"] = S(assistantMessageId),
                },
            },
            cancellationToken).ConfigureAwait(false);
        return updated is null ? null : ToRequest(updated);
    }

    public async Task<StartTurnResult> StartTurnAsync(StartTurnCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var now = Now;
        var ttl = ExpiresAtSeconds(now);
        if (command.CreateConversation)
        {
            var item = ConversationKey(command.ConversationId);
            item[TableNames.Entity] = S(TableNames.ConversationEntity);
            item[TableNames.ConversationId] = S(command.ConversationId);
            item[TableNames.OwnerId] = S(command.OwnerId);
            item[TableNames.CreatedAt] = Time(now);
            item[TableNames.UpdatedAt] = Time(now);
            item[TableNames.ActiveMessageId] = S(command.AssistantMessageId);
            item[TableNames.LastMessageId] = S(command.AssistantMessageId);
            item[TableNames.ByOwnerPartitionKey] = S(TableNames.OwnerKey(command.OwnerId));
            item[TableNames.ByOwnerSortKey] = S(OwnerSortKey(now, command.ConversationId));
            if (command.Title is not null)
            {
                item[TableNames.Title] = S(command.Title);
            }

            if (command.Preview is not null)
            {
                item[TableNames.LastMessagePreview] = S(command.Preview);
            }

            if (ttl is { } seconds)
            {
                item[TableNames.ExpiresAt] = N(seconds);
            }

            if (await TryPutAsync(item, cancellationToken).ConfigureAwait(false))
            {
                return new StartTurnResult(StartTurnStatus.Started, ToConversation(item));
            }

            // Already there: a retry of this request (the lock below accepts our own assistant id), or
            // somebody else's conversation (the owner condition below refuses it).
        }

        var values = new Dictionary<string, AttributeValue>
        {
            [":owner"] = S(command.OwnerId),
            [":assistant"] = S(command.AssistantMessageId),
            [":now"] = Time(now),
            [":ownerSort"] = S(OwnerSortKey(now, command.ConversationId)),
        };
        var set = "SET #activeMessageId = :assistant, #lastMessageId = :assistant, #updatedAt = :now, #GSI1SK = :ownerSort";
        if (command.Preview is not null)
        {
            set += ", #lastMessagePreview = :preview";
            values[":preview"] = S(command.Preview);
        }

        if (command.Title is not null)
        {
            // A conversation created without a title takes the first message's, as one created by sendMessage does.
            set += ", #title = if_not_exists(#title, :title)";
            values[":title"] = S(command.Title);
        }

        if (ttl is { } expires)
        {
            set += ", #expiresAt = :ttl";
            values[":ttl"] = N(expires);
        }

        var locked = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = ConversationKey(command.ConversationId),
                // Ours, free (or already locked by this very request), and our ids sort after every
                // message already stored.
                ConditionExpression = "attribute_exists(#PK) AND #ownerId = :owner"
                    + " AND (attribute_not_exists(#activeMessageId) OR #activeMessageId = :assistant)"
                    + " AND (attribute_not_exists(#lastMessageId) OR #lastMessageId <= :assistant)",
                UpdateExpression = set,
                ExpressionAttributeValues = values,
            },
            cancellationToken).ConfigureAwait(false);
        if (locked is not null)
        {
            return new StartTurnResult(StartTurnStatus.Started, ToConversation(locked));
        }

        var current = await GetConversationAsync(command.ConversationId, cancellationToken).ConfigureAwait(false);
        if (current is null || current.OwnerId != command.OwnerId)
        {
            return new StartTurnResult(StartTurnStatus.NotFound, null);
        }

        return current.ActiveMessageId is not null && current.ActiveMessageId != command.AssistantMessageId
            ? new StartTurnResult(StartTurnStatus.Busy, current)
            : new StartTurnResult(StartTurnStatus.IdsTooOld, current);
    }

    public async Task<ConversationRequestRecord> ReserveConversationRequestAsync(ConversationRequestRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var pending = record with { State = TurnRequestStates.Pending };
        if (await TryPutAsync(ToItem(pending, (record.CreatedAt + _options.RequestRetention).ToUnixTimeSeconds()), cancellationToken).ConfigureAwait(false))
        {
            return pending;
        }

        var item = await GetItemAsync(RequestKey(record.OwnerId, record.ClientRequestId), cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The idempotency record vanished between a failed put and a consistent read.");
        return ToConversationRequest(item);
    }

    public async Task<Conversation?> CreateConversationAsync(NewConversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var item = ConversationKey(conversation.ConversationId);
        item[TableNames.Entity] = S(TableNames.ConversationEntity);
        item[TableNames.ConversationId] = S(conversation.ConversationId);
        item[TableNames.OwnerId] = S(conversation.OwnerId);
        item[TableNames.CreatedAt] = Time(conversation.CreatedAt);
        item[TableNames.UpdatedAt] = Time(conversation.CreatedAt);
        item[TableNames.ByOwnerPartitionKey] = S(TableNames.OwnerKey(conversation.OwnerId));
        item[TableNames.ByOwnerSortKey] = S(OwnerSortKey(conversation.CreatedAt, conversation.ConversationId));
        if (conversation.Title is not null)
        {
            item[TableNames.Title] = S(conversation.Title);
        }

        if (ToAttribute(conversation.Settings) is { } settings)
        {
            item[TableNames.Settings] = settings;
        }

        if (ExpiresAtSeconds(conversation.CreatedAt) is { } ttl)
        {
            item[TableNames.ExpiresAt] = N(ttl);
        }

        if (await TryPutAsync(item, cancellationToken).ConfigureAwait(false))
        {
            return ToConversation(item);
        }

        // A retry of this request wrote it already (its id was reserved by the request's record).
        var existing = await GetConversationAsync(conversation.ConversationId, cancellationToken).ConfigureAwait(false);
        return existing is not null && existing.OwnerId == conversation.OwnerId ? existing : null;
    }

    public async Task<bool> CompleteConversationRequestAsync(ConversationRequestRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var updated = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = RequestKey(record.OwnerId, record.ClientRequestId),
                ConditionExpression = "#state = :pending AND #operation = :operation",
                UpdateExpression = "SET #state = :done",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":pending"] = S(TurnRequestStates.Pending),
                    [":done"] = S(TurnRequestStates.Done),
                    [":operation"] = S(TurnOperations.CreateConversation),
                },
                ReturnValues = Amazon.DynamoDBv2.ReturnValue.NONE,
            },
            cancellationToken).ConfigureAwait(false);
        return updated is not null;
    }

    public async Task<bool> PutMessageIfAbsentAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return await TryPutAsync(ToItem(message, ExpiresAtSeconds(message.CreatedAt)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<TurnRequestRecord?> TryBeginEnqueueAsync(TurnRequestRecord record, DateTimeOffset takeOverStartedBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var updated = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = RequestKey(record.OwnerId, record.ClientRequestId),
                ConditionExpression = "#state = :pending OR (#state = :enqueuing AND #enqueueStartedAtMs < :staleBefore)",
                UpdateExpression = "SET #state = :enqueuing, #enqueueStartedAtMs = :now",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":pending"] = S(TurnRequestStates.Pending),
                    [":enqueuing"] = S(TurnRequestStates.Enqueuing),
                    [":staleBefore"] = N(takeOverStartedBefore.ToUnixTimeMilliseconds()),
                    [":now"] = N(Now.ToUnixTimeMilliseconds()),
                },
            },
            cancellationToken).ConfigureAwait(false);
        return updated is null ? null : ToRequest(updated);
    }

    public async Task<bool> ReturnToPendingAsync(TurnRequestRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.EnqueueStartedAt is not { } started)
        {
            return false;
        }

        var updated = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = RequestKey(record.OwnerId, record.ClientRequestId),
                ConditionExpression = "#state = :enqueuing AND #enqueueStartedAtMs = :started",
                UpdateExpression = "SET #state = :pending REMOVE #enqueueStartedAtMs",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":pending"] = S(TurnRequestStates.Pending),
                    [":enqueuing"] = S(TurnRequestStates.Enqueuing),
                    [":started"] = N(started.ToUnixTimeMilliseconds()),
                },
                ReturnValues = Amazon.DynamoDBv2.ReturnValue.NONE,
            },
            cancellationToken).ConfigureAwait(false);
        return updated is not null;
    }

    public async Task<bool> CompleteRequestAsync(TurnRequestRecord record, string? queueMessageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var values = new Dictionary<string, AttributeValue>
        {
            [":enqueuing"] = S(TurnRequestStates.Enqueuing),
            [":done"] = S(TurnRequestStates.Done),
        };
        var set = "SET #state = :done";
        if (queueMessageId is not null)
        {
            set += ", #queueMessageId = :queueMessageId";
            values[":queueMessageId"] = S(queueMessageId);
        }

        var updated = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = RequestKey(record.OwnerId, record.ClientRequestId),
                ConditionExpression = "#state = :enqueuing",
                UpdateExpression = set,
                ExpressionAttributeValues = values,
                ReturnValues = Amazon.DynamoDBv2.ReturnValue.NONE,
            },
            cancellationToken).ConfigureAwait(false);
        return updated is not null;
    }

    public async Task<bool> AbandonTurnAsync(ChatMessage observed, string finalStatus, MessageError error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(error);
        if (!MessageStatus.IsFinal(finalStatus))
        {
            throw new ArgumentException($"'{finalStatus}' is not a final status.", nameof(finalStatus));
        }

        var abandoned = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = MessageKey(observed.ConversationId, observed.MessageId),
                ConditionExpression = "#status = :observedStatus AND #updatedAt = :observedUpdatedAt",
                UpdateExpression = "SET #status = :final, #error = :error, #checksum = :checksum, #updatedAt = :now REMOVE #leaseOwner, #leaseExpiresAtMs",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":observedStatus"] = S(observed.Status),
                    [":observedUpdatedAt"] = Time(observed.UpdatedAt),
                    [":final"] = S(finalStatus),
                    [":error"] = ToAttribute(error),
                    [":checksum"] = S(TextChecksum.Of(observed.Text)),
                    [":now"] = Time(Now),
                },
                ReturnValues = Amazon.DynamoDBv2.ReturnValue.NONE,
            },
            cancellationToken).ConfigureAwait(false);
        if (abandoned is null)
        {
            return false;
        }

        await ClearActiveMessageAsync(observed.ConversationId, observed.MessageId, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
