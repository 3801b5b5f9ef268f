using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AppSyncChat.Aws.Sqs;
using AppSyncChat.Conversations.Table;

namespace AppSyncChat.Local.Hosting;

/// <summary>
/// The resources the CDK stack creates in AWS, created here on the local engines at start-up: the
/// conversation table (from the Conversations table definition) and the turn queue with its DLQ and
/// redrive policy (through our SQS client).
/// </summary>
internal static class LocalResources
{
    public static async Task CreateTableAsync(string dynamoDbUrl, LocalStackOptions options, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new AmazonDynamoDBClient(
                new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey),
                new AmazonDynamoDBConfig { ServiceURL = dynamoDbUrl, AuthenticationRegion = options.Region, MaxErrorRetry = 2 });
            await TableDefinition.EnsureCreatedAsync(client, options.TableName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or AmazonClientException)
        {
            throw LocalStackException.ProvisioningFailed($"the DynamoDB table '{options.TableName}' at {dynamoDbUrl}", ex);
        }
    }

    public static async Task<(string QueueUrl, string DeadLetterQueueUrl)> CreateQueuesAsync(ISqsClient sqs, LocalStackOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var deadLetterQueueUrl = await sqs.CreateQueueAsync(
                options.DeadLetterQueueName,
                new Dictionary<string, string> { [SqsWireNames.QueueAttributes.MessageRetentionPeriod] = "1209600" },
                cancellationToken).ConfigureAwait(false);
            var attributes = await sqs.GetQueueAttributesAsync(deadLetterQueueUrl, [SqsWireNames.QueueAttributes.QueueArn], cancellationToken).ConfigureAwait(false);
            var deadLetterArn = attributes[SqsWireNames.QueueAttributes.QueueArn];
            var redrivePolicy = new JsonObject
            {
                ["deadLetterTargetArn"] = deadLetterArn,
                ["maxReceiveCount"] = options.MaxReceiveCount,
            };
            var queueUrl = await sqs.CreateQueueAsync(
                options.QueueName,
                new Dictionary<string, string>
                {
                    [SqsWireNames.QueueAttributes.VisibilityTimeout] = ((int)options.QueueVisibilityTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                    [SqsWireNames.QueueAttributes.RedrivePolicy] = redrivePolicy.ToJsonString(),
                },
                cancellationToken).ConfigureAwait(false);
            return (queueUrl, deadLetterQueueUrl);
        }
        catch (Exception ex) when (ex is SqsException or HttpRequestException or KeyNotFoundException)
        {
            throw LocalStackException.ProvisioningFailed($"the SQS queues '{options.QueueName}' and '{options.DeadLetterQueueName}'", ex);
        }
    }
}
