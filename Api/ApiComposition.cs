using Amazon.DynamoDBv2;
using AppSyncChat.Api.Configuration;
using AppSyncChat.Api.Creation;
using AppSyncChat.Api.Queries;
using AppSyncChat.Api.Resolver;
using AppSyncChat.Api.Turns;
using AppSyncChat.Conversations.Store;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Api;

/// <summary>
/// The Api's composition root: every dependency of <see cref="ApiResolver"/> built once from
/// <see cref="ApiOptions"/>. Seams are parameters (the store's DynamoDB client, the turn queue, time,
/// logging), so tests and the Local stack can supply their own.
/// </summary>
public static class ApiComposition
{
    public static ApiResolver CreateResolver(
        ApiOptions options,
        IConversationStore store,
        ITurnQueue queue,
        ILoggerFactory loggerFactory,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        time ??= TimeProvider.System;
        return new ApiResolver(
            new TurnStarter(store, queue, options, time, loggerFactory.CreateLogger<TurnStarter>()),
            new TurnStopper(store, options, time, loggerFactory.CreateLogger<TurnStopper>()),
            new ConversationQueries(store),
            new ConversationCreator(store, time, loggerFactory.CreateLogger<ConversationCreator>()),
            loggerFactory.CreateLogger<ApiResolver>());
    }

    public static DynamoConversationStore CreateStore(ApiOptions options, IAmazonDynamoDB client, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new DynamoConversationStore(client, new ConversationStoreOptions(options.TableName) { Retention = options.Retention }, time);
    }
}
