using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
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

    public static async Task<(string QueueUrl, string DeadLetterQueueUrl)> CreateQueuesAsync(IAmazonSQS sqs, LocalStackOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var deadLetterQueueUrl = (await sqs.CreateQueueAsync(
                new CreateQueueRequest
                {
                    QueueName = options.DeadLetterQueueName,
                    Attributes = new() { [QueueAttributeName.MessageRetentionPeriod] = "1209600" },
                },
                cancellationToken).ConfigureAwait(false)).QueueUrl;
            var attributes = await sqs.GetQueueAttributesAsync(
                new GetQueueAttributesRequest { QueueUrl = deadLetterQueueUrl, AttributeNames = [QueueAttributeName.QueueArn] },
                cancellationToken).ConfigureAwait(false);
            var deadLetterArn = (attributes.Attributes ?? [])[QueueAttributeName.QueueArn];
            var redrivePolicy = new JsonObject
            {
                ["deadLetterTargetArn"] = deadLetterArn,
                ["maxReceiveCount"] = options.MaxReceiveCount,
            };
            var queueUrl = (await sqs.CreateQueueAsync(
                new CreateQueueRequest
                {
                    QueueName = options.QueueName,
                    Attributes = new()
                    {
                        [QueueAttributeName.VisibilityTimeout] = ((int)options.QueueVisibilityTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                        [QueueAttributeName.RedrivePolicy] = redrivePolicy.ToJsonString(),
                    },
                },
                cancellationToken).ConfigureAwait(false)).QueueUrl;
            return (queueUrl, deadLetterQueueUrl);
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or KeyNotFoundException)
        {
            throw LocalStackException.ProvisioningFailed($"the SQS queues '{options.QueueName}' and '{options.DeadLetterQueueName}'", ex);
        }
    }
}
