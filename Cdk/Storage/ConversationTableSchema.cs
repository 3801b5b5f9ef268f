using AppSyncChat.Conversations.Table;
using Amazon.CDK.AWS.DynamoDB;
using CdkAttribute = Amazon.CDK.AWS.DynamoDB.Attribute;
using SdkKeyType = Amazon.DynamoDBv2.KeyType;
using SdkModel = Amazon.DynamoDBv2.Model;
using SdkProjectionType = Amazon.DynamoDBv2.ProjectionType;

namespace AppSyncChat.Cdk.Storage;

/// <summary>
/// The conversation table's key schema and indexes, taken from the store's own
/// <see cref="TableDefinition.CreateTableRequest"/> (the request the Local stack and the tests create the
/// table with), so the deployed table cannot drift from what <c>Conversations</c> reads and writes.
/// </summary>
public sealed record ConversationTableSchema(
    CdkAttribute PartitionKey,
    CdkAttribute SortKey,
    IReadOnlyList<GlobalSecondaryIndexProps> GlobalSecondaryIndexes,
    string TimeToLiveAttribute)
{
    public static ConversationTableSchema FromStore()
    {
        var request = TableDefinition.CreateTableRequest("schema");
        var types = request.AttributeDefinitions.ToDictionary(a => a.AttributeName, a => a.AttributeType.Value, StringComparer.Ordinal);

        CdkAttribute Key(List<SdkModel.KeySchemaElement> schema, SdkKeyType type)
        {
            var name = schema.Single(k => k.KeyType == type).AttributeName;
            return new CdkAttribute
            {
                Name = name,
                Type = types[name] switch
                {
                    "S" => AttributeType.STRING,
                    "N" => AttributeType.NUMBER,
                    "B" => AttributeType.BINARY,
                    var other => throw new InvalidOperationException($"Unknown DynamoDB attribute type '{other}' for {name}."),
                },
            };
        }

        var indexes = (request.GlobalSecondaryIndexes ?? []).Select(index => new GlobalSecondaryIndexProps
        {
            IndexName = index.IndexName,
            PartitionKey = Key(index.KeySchema, SdkKeyType.HASH),
            SortKey = index.KeySchema.Any(k => k.KeyType == SdkKeyType.RANGE) ? Key(index.KeySchema, SdkKeyType.RANGE) : null,
            ProjectionType = index.Projection.ProjectionType.Value switch
            {
                var p when p == SdkProjectionType.ALL.Value => ProjectionType.ALL,
                var p when p == SdkProjectionType.KEYS_ONLY.Value => ProjectionType.KEYS_ONLY,
                var p when p == SdkProjectionType.INCLUDE.Value => ProjectionType.INCLUDE,
                var other => throw new InvalidOperationException($"Unknown projection '{other}' on {index.IndexName}."),
            },
            NonKeyAttributes = index.Projection.NonKeyAttributes is { Count: > 0 } included ? [.. included] : null,
        }).ToList();

        return new ConversationTableSchema(
            Key(request.KeySchema, SdkKeyType.HASH),
            Key(request.KeySchema, SdkKeyType.RANGE),
            indexes,
            TableNames.ExpiresAt);
    }
}
