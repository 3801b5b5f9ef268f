using System.Net.Sockets;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.SQS;
using AppSyncChat.Aws.Sqs;

namespace AppSyncChat.Local.Tests.Stack;

/// <summary>What the stack provisions and starts besides the sidecar: table, queues, emulators.</summary>
public sealed class StackResourcesTests(LocalStackTestFixture fixture) : IClassFixture<LocalStackTestFixture>
{
    [Fact]
    public async Task Start_CreatesTheConversationTable()
    {
        using var client = new AmazonDynamoDBClient(
            new BasicAWSCredentials(fixture.Endpoints.AccessKeyId, fixture.Endpoints.SecretAccessKey),
            new AmazonDynamoDBConfig { ServiceURL = fixture.Endpoints.DynamoDbUrl, AuthenticationRegion = fixture.Endpoints.Region });

        var table = await client.DescribeTableAsync(fixture.Endpoints.TableName);

        Assert.Equal(TableStatus.ACTIVE, table.Table.TableStatus);
        Assert.NotEmpty(table.Table.KeySchema);
    }

    [Fact]
    public async Task Start_CreatesTheTurnQueueWithRedriveToTheDeadLetterQueue()
    {
        using var sqs = SqsClientFactory.Create(new BasicAWSCredentials(fixture.Endpoints.AccessKeyId, fixture.Endpoints.SecretAccessKey), fixture.Endpoints.Region, new Uri(fixture.Endpoints.SqsUrl));
        Assert.NotNull(fixture.Endpoints.QueueUrl);
        Assert.NotNull(fixture.Endpoints.DeadLetterQueueUrl);

        var queue = (await sqs.GetQueueAttributesAsync(fixture.Endpoints.QueueUrl, [QueueAttributeName.All], CancellationToken.None)).Attributes;
        var dlq = (await sqs.GetQueueAttributesAsync(fixture.Endpoints.DeadLetterQueueUrl, [QueueAttributeName.QueueArn], CancellationToken.None)).Attributes;
        var redrive = JsonDocument.Parse(queue[QueueAttributeName.RedrivePolicy]).RootElement;

        Assert.Equal(dlq[QueueAttributeName.QueueArn], redrive.GetProperty("deadLetterTargetArn").GetString());
        Assert.Equal(3, int.Parse(redrive.GetProperty("maxReceiveCount").ToString(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("90", queue[QueueAttributeName.VisibilityTimeout]);
    }

    [Fact]
    public async Task Start_EveryAdvertisedEndpointAcceptsConnectionsOnLoopback()
    {
        var e = fixture.Endpoints;
        string?[] urls = [e.GraphqlUrl, e.EventsHttpUrl, e.EventsRealtimeUrl, e.EventsHttpsUrl, e.EventsRealtimeTlsUrl, e.BedrockUrl, e.DynamoDbUrl, e.SqsUrl];

        foreach (var url in urls)
        {
            Assert.NotNull(url);
            var uri = new Uri(url);
            Assert.Equal("127.0.0.1", uri.Host);
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(uri.Host, uri.Port);
            Assert.True(tcp.Connected, url);
        }
    }

    [Fact]
    public void Start_WritesTheEventsTlsCertificateAsPem()
    {
        var path = fixture.Endpoints.EventsCertificatePath;

        Assert.NotNull(path);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(path), StringComparison.Ordinal);
    }
}
