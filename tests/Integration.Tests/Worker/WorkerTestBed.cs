using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Bench.Metrics;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Conversations.Ids;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Integration.Tests.Fixtures;
using AppSyncChat.Local.Hosting;
using AppSyncChat.Worker.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Integration.Tests.Worker;

/// <summary>
/// The real Worker (composition root, Bedrock client, DynamoDB store, AppSync Events IAM publisher)
/// against the Local stack's emulators and engines. Turns are seeded straight into the table and the
/// SQS record is handed to the Worker's Lambda handler, so these tests exercise the Worker end to end
/// independently of the Api and the queue.
/// </summary>
internal sealed class WorkerTestBed : IDisposable
{
    private readonly LocalStackEndpoints _endpoints;
    private readonly AmazonDynamoDBClient _dynamo;

    public WorkerTestBed(LocalStackFixture fixture, IReadOnlyDictionary<string, string>? tuning = null)
        : this(fixture.Endpoints, tuning)
    {
    }

    /// <summary>Against any running Local stack (e.g. one a test started with its own options).</summary>
    public WorkerTestBed(LocalStackEndpoints endpoints, IReadOnlyDictionary<string, string>? tuning = null)
    {
        _endpoints = endpoints;
        var e = endpoints;
        var settings = new WorkerEnvironment
        {
            TableName = e.TableName,
            DefaultModelId = e.ModelId,
            EventsHttpEndpoint = e.EventsHttpUrl!,
            LogFormat = "text",
            OffAws = new OffAwsAccess(e.Region, e.AccessKeyId, e.SecretAccessKey) { DynamoDbEndpoint = e.DynamoDbUrl, BedrockEndpoint = e.BedrockUrl },
            Overrides = tuning,
        }.Build();

        Host = WorkerHost.Create(settings.GetValueOrDefault, NullLoggerFactory.Instance);
        _dynamo = DynamoDbClientFactory.Create(Host.Options.Region, Host.Options.DynamoDbEndpoint, new BasicAWSCredentials(e.AccessKeyId, e.SecretAccessKey));
        Store = new DynamoConversationStore(_dynamo, new ConversationStoreOptions(e.TableName));
    }

    public WorkerHost Host { get; }

    /// <summary>The model request whose prompt holds <paramref name="marker"/>, with its per-token times (null when not found).</summary>
    public async Task<ModelTurn?> ModelTurnAsync(string marker)
    {
        using var http = new HttpClient();
        var models = await ModelTurn.FetchByMarkerAsync(http, _endpoints.BedrockUrl!, [marker], CancellationToken.None);
        return models.GetValueOrDefault(marker);
    }

    /// <summary>Asserts that each viewer's live text kept flowing while the model of <paramref name="marker"/> streamed.</summary>
    public Task AssertFlowedAsync(string marker, params CatchUpViewer[] viewers) =>
        LiveStream.AssertFlowedAsync(_endpoints.BedrockUrl!, marker, [.. viewers.Select(v => (IReadOnlyList<(DateTimeOffset, long, string)>)v.TextArrivals)]);

    public DynamoConversationStore Store { get; }

    /// <summary>Stores a conversation with one user message and a QUEUED assistant message, as the Api does.</summary>
    public async Task<ChatTurnRequest> SeedTurnAsync(string prompt)
    {
        var now = DateTimeOffset.UtcNow;
        var conversationId = ChannelIds.NewId();
        var userId = MessageIds.New(now);
        var assistantId = MessageIds.NewAfter(now, userId);
        // The API-key owner: viewers subscribe with the API key, and the chat namespace admits only the owner.
        var started = await Store.StartTurnAsync(new StartTurnCommand(conversationId, OwnerIds.Anonymous, CreateConversation: true, assistantId, "test", null), CancellationToken.None);
        Assert.Equal(StartTurnStatus.Started, started.Status);
        Assert.True(await Store.PutMessageIfAbsentAsync(new ChatMessage { ConversationId = conversationId, MessageId = userId, Role = Roles.User, Text = prompt, Status = MessageStatus.Completed, CreatedAt = now, UpdatedAt = now }, CancellationToken.None));
        Assert.True(await Store.PutMessageIfAbsentAsync(new ChatMessage { ConversationId = conversationId, MessageId = assistantId, Role = Roles.Assistant, Text = "", Status = MessageStatus.Queued, UserMessageId = userId, CreatedAt = now, UpdatedAt = now }, CancellationToken.None));
        return new ChatTurnRequest
        {
            RequestId = "req-" + assistantId[..12],
            ConversationId = conversationId,
            UserMessageId = userId,
            AssistantMessageId = assistantId,
            Turn = 1,
            RequestedAtMs = now.ToUnixTimeMilliseconds(),
        };
    }

    /// <summary>Hands one SQS record with the request to the Worker's Lambda handler; returns the failed record ids.</summary>
    public async Task<IReadOnlyList<string>> DeliverAsync(ChatTurnRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default, string? recordId = null)
    {
        var body = JsonSerializer.Serialize(request, ContractsJsonContext.Default.ChatTurnRequest);
        var sqsEvent = new SqsEvent([new SqsEventRecord { MessageId = recordId ?? "m-" + Guid.NewGuid().ToString("N")[..8], ReceiptHandle = "rh", Body = body }]);
        var payload = JsonSerializer.SerializeToUtf8Bytes(sqsEvent, LambdaEventsJsonContext.Default.SqsEvent);
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromMinutes(1));
        var response = await Host.Handler.HandleAsync(new LambdaInvocation("inv-" + Guid.NewGuid().ToString("N")[..8], deadline, null, null, payload), cancellationToken);
        var parsed = JsonSerializer.Deserialize(response.Span, LambdaEventsJsonContext.Default.SqsBatchResponse)!;
        return [.. parsed.BatchItemFailures.Select(f => f.ItemIdentifier)];
    }

    public async Task<ChatMessage> MessageAsync(ChatTurnRequest request) =>
        (await Store.GetMessageAsync(request.ConversationId, request.AssistantMessageId, CancellationToken.None))!;

    /// <summary>
    /// A viewer running the client library's catch-up over the AppSync Events WebSocket with the API key, subscribed
    /// (acknowledged) when this returns. With <paramref name="withSnapshot"/> it has also shown the stored text
    /// (its join snapshot); without, it joins in the background.
    /// </summary>
    public Task<CatchUpViewer> ViewerAsync(ChatTurnRequest request, bool withSnapshot = false)
    {
        var e = _endpoints;
        var options = new EventsWebSocketOptions
        {
            HttpEndpoint = new Uri(e.EventsHttpUrl!),
            RealtimeEndpoint = new Uri(e.EventsRealtimeUrl!),
            Authorization = EventsAuthorization.ApiKey(e.EventsApiKey),
        };
        return CatchUpViewer.StartAsync(options, request.ConversationId, request.AssistantMessageId, () => MessageAsync(request), awaitJoin: withSnapshot);
    }

    public void Dispose()
    {
        Host.Dispose();
        _dynamo.Dispose();
    }
}
