using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Table;
using AppSyncChat.Local.AppSyncEvents;

namespace AppSyncChat.Local.Hosting;

/// <summary>
/// The Local stack's stand-in for the deployed <c>chat</c> namespace <c>onSubscribe</c> handler
/// (<c>Cdk/Events/chat-namespace-handlers.js</c>), with the same rule: the channel is exactly
/// <c>/chat/&lt;conversationId&gt;</c> with a valid id, and the conversation's stored <c>ownerId</c> (a
/// consistent read of its own item) is the caller's — API-key callers are the shared <see cref="OwnerIds.Anonymous"/>,
/// the local user's bearer token is <c>user:&lt;LocalUserSub&gt;</c>, as the Local GraphQL endpoint tells the Api.
/// A conversation needs no message to pass: <c>createConversation</c> stores the owner before anyone subscribes.
/// Other namespaces have no handler (everything authorized passes).
/// </summary>
internal sealed class ChatSubscribeRule(string localUserToken, string localUserSub)
{
    public const string Namespace = "chat";

    private IAmazonDynamoDB? _client;
    private string? _tableName;

    /// <summary>The table to read owners from; until then (the stack is starting) chat subscribes are refused.</summary>
    public void Attach(IAmazonDynamoDB client, string tableName)
    {
        _tableName = tableName;
        _client = client;
    }

    public async ValueTask<bool> AllowAsync(EventsSubscribeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Segments.Count == 0 || request.Segments[0] != Namespace)
        {
            return true;
        }

        if (request.Segments.Count != 2 || !ChannelIds.IsValid(request.Segments[1]))
        {
            return false; // no wildcard, no deeper path: nobody watches every conversation
        }

        var caller = CallerOwnerId(request);
        if (caller is null || _client is not { } client)
        {
            return false;
        }

        var response = await client.GetItemAsync(
            new GetItemRequest
            {
                TableName = _tableName,
                Key = new Dictionary<string, AttributeValue>
                {
                    [TableNames.PartitionKey] = new() { S = TableNames.ConversationKey(request.Segments[1]) },
                    [TableNames.SortKey] = new() { S = TableNames.ConversationSortKey },
                },
                ConsistentRead = true,
                ProjectionExpression = "#owner",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#owner"] = TableNames.OwnerId },
            },
            cancellationToken).ConfigureAwait(false);
        return response.Item is { } item && item.TryGetValue(TableNames.OwnerId, out var owner) && owner.S == caller;
    }

    private string? CallerOwnerId(EventsSubscribeRequest request) => request.AuthMode switch
    {
        EventsAuthMode.ApiKey => OwnerIds.Anonymous,
        EventsAuthMode.BearerToken when request.BearerToken == localUserToken => OwnerIds.UserPrefix + localUserSub,
        _ => null, // the deployed namespace accepts no other subscribe mode
    };
}
