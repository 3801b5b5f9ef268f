using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace AppSyncChat.Conversations.Table;

/// <summary>
/// The conversation table as a <c>CreateTable</c> request: the Local stack and the tests create it from
/// here, and the CDK stack declares the same keys, index and TTL attribute (from <see cref="TableNames"/>).
/// </summary>
public static class TableDefinition
{
    public static CreateTableRequest CreateTableRequest(string tableName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        return new CreateTableRequest
        {
            TableName = tableName,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions =
            [
                new AttributeDefinition(TableNames.PartitionKey, ScalarAttributeType.S),
                new AttributeDefinition(TableNames.SortKey, ScalarAttributeType.S),
                new AttributeDefinition(TableNames.ByOwnerPartitionKey, ScalarAttributeType.S),
                new AttributeDefinition(TableNames.ByOwnerSortKey, ScalarAttributeType.S),
            ],
            KeySchema =
            [
                new KeySchemaElement(TableNames.PartitionKey, KeyType.HASH),
                new KeySchemaElement(TableNames.SortKey, KeyType.RANGE),
            ],
            GlobalSecondaryIndexes =
            [
                new GlobalSecondaryIndex
                {
                    IndexName = TableNames.ByOwnerIndex,
                    KeySchema =
                    [
                        new KeySchemaElement(TableNames.ByOwnerPartitionKey, KeyType.HASH),
                        new KeySchemaElement(TableNames.ByOwnerSortKey, KeyType.RANGE),
                    ],
                    // Only conversation items carry the index keys (a sparse index); the list needs
                    // these attributes and nothing else.
                    Projection = new Projection
                    {
                        ProjectionType = ProjectionType.INCLUDE,
                        NonKeyAttributes =
                        [
                            TableNames.ConversationId, TableNames.Title, TableNames.CreatedAt,
                            TableNames.UpdatedAt, TableNames.LastMessagePreview, TableNames.OwnerId,
                        ],
                    },
                },
            ],
        };
    }

    /// <summary>
    /// Creates the table when it does not exist and waits until it is ACTIVE, then enables TTL where the
    /// endpoint supports it (dynalite does not: that failure is ignored). For the Local stack and tests;
    /// in AWS the CDK stack owns the table.
    /// </summary>
    public static async Task EnsureCreatedAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            await client.CreateTableAsync(CreateTableRequest(tableName), cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceInUseException)
        {
            // Already there.
        }

        for (var attempt = 0; ; attempt++)
        {
            var described = await client.DescribeTableAsync(new DescribeTableRequest { TableName = tableName }, cancellationToken).ConfigureAwait(false);
            if (described.Table.TableStatus == TableStatus.ACTIVE)
            {
                break;
            }

            if (attempt > 600)
            {
                throw new TimeoutException($"Table {tableName} did not become ACTIVE.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await client.UpdateTimeToLiveAsync(
                new UpdateTimeToLiveRequest
                {
                    TableName = tableName,
                    TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = TableNames.ExpiresAt, Enabled = true },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonDynamoDBException)
        {
            // dynalite has no TTL (UnknownOperationException); AWS answers ValidationException when TTL
            // is already enabled. Neither matters for correctness: TTL only cleans up.
        }
    }
}
