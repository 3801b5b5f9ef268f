using Amazon.DynamoDBv2.Model;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Table;
using static AppSyncChat.Conversations.Table.Items;

namespace AppSyncChat.Conversations.Store;

/// <summary>The Worker side: the turn lifecycle of one assistant message.</summary>
public sealed partial class DynamoConversationStore
{
    private const int MaxClaimAttempts = 4;

    public async Task<ClaimResult> ClaimAsync(string conversationId, string messageId, int turn, TurnLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        for (var attempt = 0; attempt < MaxClaimAttempts; attempt++)
        {
            // QUEUED → STREAMING.
            var claimed = await TryUpdateAsync(
                new UpdateItemRequest
                {
                    Key = MessageKey(conversationId, messageId),
                    ConditionExpression = "attribute_exists(#PK) AND #role = :assistant AND #status = :queued",
                    UpdateExpression = "SET #status = :streaming, #leaseOwner = :owner, #leaseExpiresAtMs = :expires, #turn = :turn, #updatedAt = :now",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":assistant"] = S(Roles.Assistant),
                        [":queued"] = S(MessageStatus.Queued),
                        [":streaming"] = S(MessageStatus.Streaming),
                        [":owner"] = S(lease.Owner),
                        [":expires"] = N(lease.ExpiresAt.ToUnixTimeMilliseconds()),
                        [":turn"] = N(turn),
                        [":now"] = Time(Now),
                    },
                },
                cancellationToken).ConfigureAwait(false);
            if (claimed is not null)
            {
                return new ClaimResult(ClaimStatus.Claimed, ToMessage(claimed));
            }

            var item = await GetItemAsync(MessageKey(conversationId, messageId), cancellationToken).ConfigureAwait(false);
            if (item is null)
            {
                return new ClaimResult(ClaimStatus.NotFound, null);
            }

            var current = ToMessage(item);
            if (current.Role != Roles.Assistant)
            {
                return new ClaimResult(ClaimStatus.NotFound, null);
            }

            if (MessageStatus.IsFinal(current.Status))
            {
                // A final message must not keep its conversation busy: repair a pointer left behind by a
                // finish that crashed between its two writes.
                await ClearActiveMessageAsync(conversationId, messageId, cancellationToken).ConfigureAwait(false);
                return new ClaimResult(ClaimStatus.AlreadyFinal, current);
            }

            if (current.Status != MessageStatus.Streaming || current.Lease is null)
            {
                continue; // Changed under us (or QUEUED again): try the plain claim once more.
            }

            if (current.Lease.ExpiresAt > Now)
            {
                return new ClaimResult(ClaimStatus.LeaseHeld, current);
            }

            // The previous holder's lease expired: take over, on condition that the lease is still exactly
            // the one we saw (two deliveries racing for the takeover: one wins).
            var takenOver = await TryUpdateAsync(
                new UpdateItemRequest
                {
                    Key = MessageKey(conversationId, messageId),
                    ConditionExpression = "#status = :streaming AND #leaseOwner = :oldOwner AND #leaseExpiresAtMs = :oldExpires",
                    // The stored turn is kept: it tells the new holder which attempt wrote the partial text;
                    // the holder writes its own attempt number with its checkpoints and finish.
                    UpdateExpression = "SET #leaseOwner = :owner, #leaseExpiresAtMs = :expires, #updatedAt = :now",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":streaming"] = S(MessageStatus.Streaming),
                        [":oldOwner"] = S(current.Lease.Owner),
                        [":oldExpires"] = N(current.Lease.ExpiresAt.ToUnixTimeMilliseconds()),
                        [":owner"] = S(lease.Owner),
                        [":expires"] = N(lease.ExpiresAt.ToUnixTimeMilliseconds()),
                        [":now"] = Time(Now),
                    },
                },
                cancellationToken).ConfigureAwait(false);
            if (takenOver is not null)
            {
                return new ClaimResult(ClaimStatus.TakenOver, ToMessage(takenOver));
            }
        }

        // Kept losing races: somebody else is actively working on it.
        var last = await GetItemAsync(MessageKey(conversationId, messageId), cancellationToken).ConfigureAwait(false);
        return last is null
            ? new ClaimResult(ClaimStatus.NotFound, null)
            : new ClaimResult(MessageStatus.IsFinal(ToMessage(last).Status) ? ClaimStatus.AlreadyFinal : ClaimStatus.LeaseHeld, ToMessage(last));
    }

    public async Task<IReadOnlyList<ChatMessage>> LoadHistoryAsync(string conversationId, string beforeMessageId, int maxMessages, int maxCharacters, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCharacters, 1);

        // Newest first, so the budget keeps the newest messages.
        var kept = new List<ChatMessage>();
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var characters = 0;
        var seenUser = false;
        await foreach (var message in QueryMessagesAsync(conversationId, beforeMessageId, newestFirst: true, cancellationToken).ConfigureAwait(false))
        {
            if (message.MessageId == beforeMessageId)
            {
                continue;
            }

            if (message.Role == Roles.Assistant)
            {
                // Answers after the last user message are earlier answers to the prompt being answered
                // again (regenerate); older answers to a prompt that was regenerated are superseded by the
                // newest one; empty or unfinished answers carry nothing for the model.
                if (!seenUser || message.UserMessageId is null || !answered.Add(message.UserMessageId)
                    || message.Text.Length == 0 || !MessageStatus.IsFinal(message.Status))
                {
                    continue;
                }
            }
            else
            {
                seenUser = true;
            }

            if (kept.Count > 0 && (kept.Count >= maxMessages || characters + message.Text.Length > maxCharacters))
            {
                break;
            }

            kept.Add(message);
            characters += message.Text.Length;
        }

        kept.Reverse();

        // Model APIs want the conversation to start with a user message.
        var firstUser = kept.FindIndex(m => m.Role == Roles.User);
        return firstUser switch
        {
            < 0 => [],
            0 => kept,
            _ => kept.GetRange(firstUser, kept.Count - firstUser),
        };
    }

    public async Task<bool> CheckpointAsync(string conversationId, string messageId, Checkpoint checkpoint, TurnLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(lease);
        var updated = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = MessageKey(conversationId, messageId),
                ConditionExpression = "#status = :streaming AND #leaseOwner = :owner AND #leaseExpiresAtMs = :expires",
                UpdateExpression = "SET #text = :text, #seq = :seq, #turn = :turn, #updatedAt = :now",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":streaming"] = S(MessageStatus.Streaming),
                    [":owner"] = S(lease.Owner),
                    [":expires"] = N(lease.ExpiresAt.ToUnixTimeMilliseconds()),
                    [":text"] = S(checkpoint.Text),
                    [":seq"] = N(checkpoint.Seq),
                    [":turn"] = N(checkpoint.Turn),
                    [":now"] = Time(Now),
                },
                ReturnValues = Amazon.DynamoDBv2.ReturnValue.NONE,
            },
            cancellationToken).ConfigureAwait(false);
        return updated is not null;
    }

    public async Task<bool> IsCancelRequestedAsync(string conversationId, string messageId, CancellationToken cancellationToken)
    {
        var response = await _client.GetItemAsync(
            new GetItemRequest
            {
                TableName = _options.TableName,
                Key = MessageKey(conversationId, messageId),
                ConsistentRead = true,
                ProjectionExpression = "#cancelRequested",
                ExpressionAttributeNames = NamesIn("#cancelRequested"),
            },
            cancellationToken).ConfigureAwait(false);
        return response.Item is { } item && GetBool(item, TableNames.CancelRequested);
    }

    public async Task<bool> FinishAsync(string conversationId, string messageId, TurnOutcome outcome, TurnLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(lease);
        if (!MessageStatus.IsFinal(outcome.Status))
        {
            throw new ArgumentException($"'{outcome.Status}' is not a final status.", nameof(outcome));
        }

        var now = Now;
        var values = new Dictionary<string, AttributeValue>
        {
            [":streaming"] = S(MessageStatus.Streaming),
            [":owner"] = S(lease.Owner),
            [":expires"] = N(lease.ExpiresAt.ToUnixTimeMilliseconds()),
            [":status"] = S(outcome.Status),
            [":text"] = S(outcome.Text),
            [":seq"] = N(outcome.Seq),
            [":turn"] = N(outcome.Turn),
            [":checksum"] = S(outcome.Checksum),
            [":finishedBy"] = S(FinishedBy(lease)),
            [":now"] = Time(now),
        };
        var set = new List<string> { "#status = :status", "#text = :text", "#seq = :seq", "#turn = :turn", "#checksum = :checksum", "#finishedBy = :finishedBy", "#updatedAt = :now" };
        var remove = new List<string> { "#leaseOwner", "#leaseExpiresAtMs" };
        AddOrRemove(outcome.StopReason is null ? null : S(outcome.StopReason), "#stopReason", ":stopReason");
        AddOrRemove(outcome.Usage is null ? null : ToAttribute(outcome.Usage), "#usage", ":usage");
        AddOrRemove(outcome.Error is null ? null : ToAttribute(outcome.Error), "#error", ":error");

        var finished = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = MessageKey(conversationId, messageId),
                ConditionExpression = "#status = :streaming AND #leaseOwner = :owner AND #leaseExpiresAtMs = :expires",
                UpdateExpression = $"SET {string.Join(", ", set)} REMOVE {string.Join(", ", remove)}",
                ExpressionAttributeValues = values,
                ReturnValues = Amazon.DynamoDBv2.ReturnValue.NONE,
            },
            cancellationToken).ConfigureAwait(false);
        if (finished is null && !await FinishedByAsync(conversationId, messageId, lease, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        // Finishing is idempotent for the lease holder: a retry after the first write landed (and the second
        // failed, or its answer was lost) finds the final state marked with its own lease and carries on here.
        // Second write: the conversation is free for the next turn. A crash here leaves the pointer on a
        // final message, which the next claim or sendMessage repairs (see README, "Repairs").
        try
        {
            await ClearActiveMessageAsync(conversationId, messageId, cancellationToken, Preview(outcome.Text)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ConversationNotReleasedException(conversationId, ex);
        }

        return true;

        void AddOrRemove(AttributeValue? value, string name, string placeholder)
        {
            if (value is null)
            {
                remove.Add(name);
            }
            else
            {
                set.Add($"{name} = {placeholder}");
                values[placeholder] = value;
            }
        }
    }

    private static string FinishedBy(TurnLease lease) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{lease.Owner}@{lease.ExpiresAt.ToUnixTimeMilliseconds()}");

    /// <summary>True when the message is final and its final state was written under exactly <paramref name="lease"/>.</summary>
    private async Task<bool> FinishedByAsync(string conversationId, string messageId, TurnLease lease, CancellationToken cancellationToken)
    {
        var item = await GetItemAsync(MessageKey(conversationId, messageId), cancellationToken).ConfigureAwait(false);
        return item is not null
            && item.TryGetValue(TableNames.FinishedBy, out var by) && by.S == FinishedBy(lease)
            && item.TryGetValue(TableNames.Status, out var status) && MessageStatus.IsFinal(status.S);
    }

    /// <summary>
    /// Frees the conversation for the next turn when <paramref name="messageId"/> is still its active
    /// message (the condition makes it a no-op otherwise), and refreshes its activity time.
    /// </summary>
    public async Task<bool> ClearActiveMessageAsync(string conversationId, string messageId, CancellationToken cancellationToken, string? preview = null)
    {
        var now = Now;
        var values = new Dictionary<string, AttributeValue>
        {
            [":message"] = S(messageId),
            [":now"] = Time(now),
            [":ownerSort"] = S(OwnerSortKey(now, conversationId)),
        };
        var set = "SET #updatedAt = :now, #GSI1SK = :ownerSort";
        if (!string.IsNullOrEmpty(preview))
        {
            set += ", #lastMessagePreview = :preview";
            values[":preview"] = S(preview);
        }

        if (ExpiresAtSeconds(now) is { } ttl)
        {
            set += ", #expiresAt = :ttl";
            values[":ttl"] = N(ttl);
        }

        var cleared = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = ConversationKey(conversationId),
                ConditionExpression = "#activeMessageId = :message",
                UpdateExpression = $"{set} REMOVE #activeMessageId",
                ExpressionAttributeValues = values,
                ReturnValues = Amazon.DynamoDBv2.ReturnValue.NONE,
            },
            cancellationToken).ConfigureAwait(false);
        return cleared is not null;
    }

    /// <summary>The start of a text for conversation lists: whitespace collapsed, at most 120 characters.</summary>
    public static string Preview(string text)
    {
        const int MaxLength = 120;
        ArgumentNullException.ThrowIfNull(text);
        var collapsed = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (collapsed.Length <= MaxLength)
        {
            return collapsed;
        }

        var cut = MaxLength - 1;
        if (char.IsHighSurrogate(collapsed[cut - 1]))
        {
            cut--;
        }

        return collapsed[..cut] + "…";
    }
}

/// <summary>
/// <see cref="ITurnStore.FinishAsync"/> stored the message's final state, but freeing the conversation for its next
/// turn failed. The end is stored (and may be announced); the pointer left on a final message is repaired by the
/// next claim or sendMessage.
/// </summary>
public sealed class ConversationNotReleasedException(string conversationId, Exception innerException)
    : Exception($"The final state of a message of conversation {conversationId} is stored, but the conversation could not be released.", innerException);
