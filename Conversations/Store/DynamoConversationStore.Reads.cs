using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using Amazon.DynamoDBv2.Model;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Table;
using static AppSyncChat.Conversations.Table.Items;

namespace AppSyncChat.Conversations.Store;

/// <summary>The Api side: reads, paging and the cancel flag.</summary>
public sealed partial class DynamoConversationStore
{
    private const string PageTokenVersion = "v1";

    public async Task<Conversation?> GetConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        var item = await GetItemAsync(ConversationKey(conversationId), cancellationToken).ConfigureAwait(false);
        return item is null ? null : ToConversation(item);
    }

    public async Task<IReadOnlyList<ChatMessage>> GetMessagesAsync(string conversationId, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "At least one message.");
        }

        var messages = new List<ChatMessage>();
        await foreach (var message in QueryMessagesAsync(conversationId, null, newestFirst: limit is not null, cancellationToken, pageSize: limit).ConfigureAwait(false))
        {
            messages.Add(message);
            if (messages.Count == limit)
            {
                break;
            }
        }

        if (limit is not null)
        {
            messages.Reverse();
        }

        return messages;
    }

    public async Task<ChatMessage?> GetMessageAsync(string conversationId, string messageId, CancellationToken cancellationToken)
    {
        var item = await GetItemAsync(MessageKey(conversationId, messageId), cancellationToken).ConfigureAwait(false);
        return item is null ? null : ToMessage(item);
    }

    public async Task<ConversationPage> ListConversationsAsync(string ownerId, int limit, string? nextToken, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var ownerKey = TableNames.OwnerKey(ownerId);
        var request = new QueryRequest
        {
            TableName = _options.TableName,
            IndexName = TableNames.ByOwnerIndex,
            KeyConditionExpression = "#GSI1PK = :owner",
            ExpressionAttributeNames = NamesIn("#GSI1PK"),
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":owner"] = S(ownerKey) },
            ScanIndexForward = false,
            // One more than asked: tells whether another page exists, so the last page has no token.
            Limit = limit + 1,
        };
        if (nextToken is not null)
        {
            // The token holds only the position; the owner comes from the caller, so a token cannot be
            // used to read somebody else's list.
            var (sortKey, conversationId) = DecodePageToken(nextToken);
            request.ExclusiveStartKey = new Dictionary<string, AttributeValue>
            {
                [TableNames.PartitionKey] = S(TableNames.ConversationKey(conversationId)),
                [TableNames.SortKey] = S(TableNames.ConversationSortKey),
                [TableNames.ByOwnerPartitionKey] = S(ownerKey),
                [TableNames.ByOwnerSortKey] = S(sortKey),
            };
        }

        var items = new List<Dictionary<string, AttributeValue>>();
        while (true)
        {
            var response = await _client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            items.AddRange(response.Items ?? []);
            if (items.Count > limit || response.LastEvaluatedKey is not { Count: > 0 })
            {
                break;
            }

            request.ExclusiveStartKey = response.LastEvaluatedKey;
            request.Limit = limit + 1 - items.Count;
        }

        var page = items.Take(limit).Select(item => new ConversationSummary(
            GetString(item, TableNames.ConversationId) ?? string.Empty,
            GetString(item, TableNames.Title),
            GetTime(item, TableNames.CreatedAt) ?? DateTimeOffset.UnixEpoch,
            GetTime(item, TableNames.UpdatedAt) ?? DateTimeOffset.UnixEpoch,
            GetString(item, TableNames.LastMessagePreview))).ToList();
        string? token = null;
        if (items.Count > limit)
        {
            var last = items[limit - 1];
            token = EncodePageToken(GetString(last, TableNames.ByOwnerSortKey) ?? string.Empty, GetString(last, TableNames.ConversationId) ?? string.Empty);
        }

        return new ConversationPage(page, token);
    }

    public async Task<ChatMessage?> RequestCancelAsync(string conversationId, string messageId, CancellationToken cancellationToken)
    {
        var updated = await TryUpdateAsync(
            new UpdateItemRequest
            {
                Key = MessageKey(conversationId, messageId),
                ConditionExpression = "#role = :assistant AND (#status = :queued OR #status = :streaming)",
                UpdateExpression = "SET #cancelRequested = :true, #updatedAt = :now",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":assistant"] = S(Roles.Assistant),
                    [":queued"] = S(MessageStatus.Queued),
                    [":streaming"] = S(MessageStatus.Streaming),
                    [":true"] = B(true),
                    [":now"] = Time(Now),
                },
            },
            cancellationToken).ConfigureAwait(false);
        if (updated is not null)
        {
            return ToMessage(updated);
        }

        // Not there, a user message, or already final: nothing to cancel; report it as it is.
        return await GetMessageAsync(conversationId, messageId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Messages of a conversation in id (= time) order, paging through the query.</summary>
    private async IAsyncEnumerable<ChatMessage> QueryMessagesAsync(
        string conversationId,
        string? upToMessageId,
        bool newestFirst,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        int? pageSize = null)
    {
        var values = new Dictionary<string, AttributeValue> { [":pk"] = S(TableNames.ConversationKey(conversationId)) };
        string keyCondition;
        if (upToMessageId is null)
        {
            keyCondition = "#PK = :pk AND begins_with(#SK, :prefix)";
            values[":prefix"] = S(TableNames.MessagePrefix);
        }
        else
        {
            keyCondition = "#PK = :pk AND #SK BETWEEN :from AND :to";
            values[":from"] = S(TableNames.MessagePrefix);
            values[":to"] = S(TableNames.MessageKey(upToMessageId));
        }

        var request = new QueryRequest
        {
            TableName = _options.TableName,
            KeyConditionExpression = keyCondition,
            ExpressionAttributeNames = NamesIn(keyCondition),
            ExpressionAttributeValues = values,
            ScanIndexForward = !newestFirst,
            ConsistentRead = true,
            Limit = pageSize is { } size ? Math.Min(size, 1000) : null,
        };
        while (true)
        {
            var response = await _client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (var item in response.Items ?? [])
            {
                yield return ToMessage(item);
            }

            if (response.LastEvaluatedKey is not { Count: > 0 })
            {
                yield break;
            }

            request.ExclusiveStartKey = response.LastEvaluatedKey;
        }
    }

    private static string EncodePageToken(string sortKey, string conversationId) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{PageTokenVersion}|{sortKey}|{conversationId}"));

    private static (string SortKey, string ConversationId) DecodePageToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            var parts = text.Split('|');
            if (parts is [PageTokenVersion, var sortKey, var conversationId]
                && ChannelIds.IsValid(conversationId)
                && sortKey.EndsWith("#" + conversationId, StringComparison.Ordinal))
            {
                return (sortKey, conversationId);
            }
        }
        catch (FormatException)
        {
            // Falls through to the typed error below.
        }

        throw new InvalidPageTokenException();
    }
}

/// <summary>A <c>nextToken</c> that this store did not issue.</summary>
public sealed class InvalidPageTokenException : FormatException
{
    public InvalidPageTokenException()
        : base("nextToken is not a token returned by listConversations; start again without it.")
    {
    }
}
