using Amazon;
using Amazon.Runtime;
using Amazon.SQS;

namespace AppSyncChat.Aws.Sqs;

/// <summary>
/// The one place every process of ours builds its <see cref="AmazonSQSClient"/> (AWSSDK.SQS), so AWS and the
/// Local stack's <c>local-aws-sqs</c> get the same settings. Why each setting: <c>Aws/Sqs/README.md</c>.
/// </summary>
public static class SqsClientFactory
{
    /// <summary>
    /// A client for <paramref name="region"/>'s regional endpoint, or for <paramref name="endpoint"/> when set
    /// (the Local stack's <c>local-aws-sqs</c>, a VPC endpoint).
    /// </summary>
    /// <param name="credentials">Always explicit (from <c>AwsCredentialsFactory</c>): the client never runs its own
    /// credential chain, which would probe the EC2 metadata address when nothing else is configured.</param>
    public static AmazonSQSClient Create(AWSCredentials credentials, string region, Uri? endpoint)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        return new AmazonSQSClient(credentials, CreateConfig(region, endpoint));
    }

    public static AmazonSQSConfig CreateConfig(string region, Uri? endpoint)
    {
        var config = new AmazonSQSConfig
        {
            // Standard mode: 3 attempts with jittered backoff on throttling, 5xx and transport errors. The callers'
            // own loops (event-source mapping, queue poller, the Api's client retry) sit on top of it.
            RetryMode = RequestRetryMode.Standard,

            // The HttpClient's own timeout per attempt. It must outlast a 20 s long poll (ReceiveMessage holds the
            // request open for WaitTimeSeconds); 30 s leaves room for a slow answer. The callers' cancellation
            // tokens end a request sooner.
            Timeout = TimeSpan.FromSeconds(30),

            // Without a bound the HttpClient waits indefinitely for a TCP connection.
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        if (endpoint is not null)
        {
            // ServiceURL replaces the endpoint; AuthenticationRegion signs for our region rather than one the SDK
            // would derive from the endpoint's host name.
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;

            // local-aws-sqs answers an empty ReceiveMessage with an empty body, which the SDK cannot parse.
            config.HttpClientFactory = new EmulatorTolerantHttpClientFactory();
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return config;
    }
}
