using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace AppSyncChat.Aws.Signing;

/// <summary>
/// HttpClients whose requests are signed with SigV4 by AWSSDK.Core's public <see cref="SigV4SigningHandler"/>.
/// Retry handlers, if any, belong before the signer so each attempt is signed afresh.
/// </summary>
public static class SignedHttpClientFactory
{
    /// <param name="service">The SigV4 signing name: <c>sqs</c>, <c>bedrock</c>, <c>appsync</c>, …</param>
    public static HttpClient Create(AWSCredentials credentials, string region, string service, HttpMessageHandler? innerHandler = null, TimeSpan? timeout = null)
    {
        var signer = new SigV4SigningHandler(credentials, RegionEndpoint.GetBySystemName(region), service, innerHandler ?? CreateSocketsHandler());
        return new HttpClient(signer) { Timeout = timeout ?? Timeout.InfiniteTimeSpan };
    }

    /// <summary>A pooled handler suitable for many concurrent long-lived requests to one host.</summary>
    public static SocketsHttpHandler CreateSocketsHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = int.MaxValue,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseProxy = false,
    };
}
