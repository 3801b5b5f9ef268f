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
/// a local user's bearer token is <c>user:&lt;its sub&gt;</c>, as the Local GraphQL endpoint tells the Api; any
/// other credential is refused. A conversation needs no message to pass: <c>createConversation</c> stores the
/// owner before anyone subscribes. Other namespaces have no handler (everything authorized passes).
/// <c>tests/Cdk.Tests/SubscribeRuleParityTests</c> runs this class and the deployed handler on one table of cases.
/// </summary>
internal sealed class ChatSubscribeRule(IEnumerable<LocalUser> users)
{
    public const string Namespace = "chat";

    private readonly Dictionary<string, string> _subsByToken = users.ToDictionary(u => u.Token, u => u.Sub, StringComparer.Ordinal);

    private Func<string, CancellationToken, Task<string?>>? _readOwner;

    /// <summary>Where owners are read from (<see cref="OwnerReader"/>); until then (the stack is starting) chat subscribes are refused.</summary>
    public void Attach(Func<string, CancellationToken, Task<string?>> readOwner) => _readOwner = readOwner;

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
        if (caller is null || _readOwner is not { } readOwner)
        {
            return false;
        }

        return await readOwner(request.Segments[1], cancellationToken).ConfigureAwait(false) == caller;
    }

    /// <summary>The stored <c>ownerId</c> of a conversation (null when there is none), by a consistent GetItem of its own item, as the handler reads it.</summary>
    public static Func<string, CancellationToken, Task<string?>> OwnerReader(IAmazonDynamoDB client, string tableName) => async (conversationId, cancellationToken) =>
    {
        var response = await client.GetItemAsync(
            new GetItemRequest
            {
                TableName = tableName,
                Key = new Dictionary<string, AttributeValue>
                {
                    [TableNames.PartitionKey] = new() { S = TableNames.ConversationKey(conversationId) },
                    [TableNames.SortKey] = new() { S = TableNames.ConversationSortKey },
                },
                ConsistentRead = true,
                ProjectionExpression = "#owner",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#owner"] = TableNames.OwnerId },
            },
            cancellationToken).ConfigureAwait(false);
        return response.Item is { } item && item.TryGetValue(TableNames.OwnerId, out var owner) ? owner.S : null;
    };

    private string? CallerOwnerId(EventsSubscribeRequest request) => request.AuthMode switch
    {
        EventsAuthMode.ApiKey => OwnerIds.Anonymous,
        EventsAuthMode.BearerToken when request.BearerToken is { } token && _subsByToken.TryGetValue(token, out var sub) => OwnerIds.UserPrefix + sub,
        _ => null, // the deployed namespace accepts no other subscribe mode
    };
}
