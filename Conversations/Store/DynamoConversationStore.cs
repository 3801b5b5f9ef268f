using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AppSyncChat.Conversations.Table;

namespace AppSyncChat.Conversations.Store;

/// <summary>
/// The conversation table on DynamoDB's low-level client (no DataModel, no reflection: trim- and
/// AOT-clean). Every write is a single-item conditional write; see <c>Conversations/README.md</c> for the
/// table design, the turn lifecycle writes and the write order of turn-starting requests.
/// </summary>
public sealed partial class DynamoConversationStore : ITurnStore, IConversationStore
{
    private readonly IAmazonDynamoDB _client;
    private readonly ConversationStoreOptions _options;
    private readonly TimeProvider _time;

    public DynamoConversationStore(IAmazonDynamoDB client, ConversationStoreOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TableName);
        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private long? ExpiresAtSeconds(DateTimeOffset from) =>
        _options.Retention is { } retention ? (from + retention).ToUnixTimeSeconds() : null;

    private async Task<Dictionary<string, AttributeValue>?> GetItemAsync(Dictionary<string, AttributeValue> key, CancellationToken cancellationToken)
    {
        var response = await _client.GetItemAsync(
            new GetItemRequest { TableName = _options.TableName, Key = key, ConsistentRead = true },
            cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>Runs a conditional update; false when the condition failed (a lost race or a wrong state).</summary>
    private async Task<Dictionary<string, AttributeValue>?> TryUpdateAsync(UpdateItemRequest request, CancellationToken cancellationToken)
    {
        request.TableName = _options.TableName;
        request.ExpressionAttributeNames ??= NamesIn(request.ConditionExpression, request.UpdateExpression);
        request.ReturnValues ??= ReturnValue.ALL_NEW;
        try
        {
            var response = await _client.UpdateItemAsync(request, cancellationToken).ConfigureAwait(false);
            return response.Attributes ?? [];
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    private async Task<bool> TryPutAsync(Dictionary<string, AttributeValue> item, CancellationToken cancellationToken)
    {
        try
        {
            await _client.PutItemAsync(
                new PutItemRequest
                {
                    TableName = _options.TableName,
                    Item = item,
                    ConditionExpression = "attribute_not_exists(#pk)",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#pk"] = TableNames.PartitionKey },
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>ExpressionAttributeNames</c> for the placeholders used in the expressions. By convention a
    /// placeholder is the attribute name with a <c>#</c> (every name is quoted: several, such as
    /// <c>status</c> and <c>text</c>, are reserved words), and DynamoDB rejects unused names, so the map
    /// is derived from the expressions themselves.
    /// </summary>
    private static Dictionary<string, string> NamesIn(params string?[] expressions)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var expression in expressions)
        {
            if (expression is null)
            {
                continue;
            }

            foreach (Match match in Placeholder().Matches(expression))
            {
                map[match.Value] = match.Value[1..];
            }
        }

        return map;
    }

    [GeneratedRegex("#[A-Za-z0-9_]+", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
