using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace AppSyncChat.Conversations.Store;

/// <summary>The low-level DynamoDB client every process of ours uses for the conversation table.</summary>
public static class DynamoDbClientFactory
{
    /// <summary>
    /// A client for <paramref name="region"/>'s regional endpoint, or for <paramref name="endpoint"/> when
    /// set (the Local stack's dynalite, a VPC endpoint); the override keeps signing for the region.
    /// </summary>
    public static AmazonDynamoDBClient Create(string region, Uri? endpoint, AWSCredentials credentials)
    {
        var config = new AmazonDynamoDBConfig();
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new AmazonDynamoDBClient(credentials, config);
    }
}
