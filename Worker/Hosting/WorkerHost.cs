using Amazon.Runtime;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Aws.Bedrock;
using AppSyncChat.Aws.Signing;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Publishing;
using AppSyncChat.Worker.Queue;
using AppSyncChat.Worker.Tools;
using AppSyncChat.Worker.Turns;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Hosting;

/// <summary>
/// The Worker's composition root: every long-lived object (AWS clients, tools, the turn processor and
/// the SQS batch handler) built once per process from validated <see cref="WorkerOptions"/>. The three
/// seams — model, store, channel — can be supplied (tests, the Local stack); by default they are
/// Bedrock ConverseStream, the DynamoDB conversation table and AppSync Events HTTP publish (IAM).
/// </summary>
public sealed class WorkerHost : IDisposable
{
    private readonly List<IDisposable> _owned;

    private WorkerHost(WorkerOptions options, TurnProcessor processor, SqsBatchHandler handler, List<IDisposable> owned)
    {
        Options = options;
        Processor = processor;
        Handler = handler;
        _owned = owned;
    }

    public WorkerOptions Options { get; }

    public TurnProcessor Processor { get; }

    public SqsBatchHandler Handler { get; }

    /// <summary>Reads the settings (throws <see cref="WorkerConfigurationException"/> naming a bad one) and builds everything.</summary>
    public static WorkerHost Create(Func<string, string?> settings, ILoggerFactory loggerFactory, WorkerSeams? seams = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = WorkerOptionsReader.Read(settings);
        return Create(options, AwsCredentialsFactory.FromSettings(settings), loggerFactory, seams);
    }

    public static WorkerHost Create(WorkerOptions options, AWSCredentials credentials, ILoggerFactory loggerFactory, WorkerSeams? seams = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        seams ??= new WorkerSeams();
        var time = seams.Time ?? TimeProvider.System;
        var owned = new List<IDisposable>();
        try
        {
            var store = seams.Store ?? CreateStore(options, credentials, time, owned);
            var chat = seams.Chat ?? Own(owned, new BedrockChatClient(BedrockRuntimeClient.Create(credentials, options.Region, options.BedrockEndpoint), options.DefaultModelId, disposeClient: true));
            var events = seams.Events ?? Own(owned, new EventsHttpPublisher(
                new EventsHttpPublisherOptions
                {
                    Endpoint = options.EventsHttpEndpoint,
                    Authorization = EventsAuthorization.Iam(credentials, options.Region),
                    TimeProvider = time,
                    MaxAttempts = options.Turn.PublishMaxAttempts,
                    AttemptTimeout = options.Turn.PublishAttemptTimeout,
                    MaxDelay = options.Turn.PublishMaxDelay,
                },
                logger: loggerFactory.CreateLogger<EventsHttpPublisher>()));
            var tools = seams.Tools ?? (options.DemoTools ? ToolRegistry.CreateDemo(time) : ToolRegistry.None);
            var workerId = seams.WorkerId ?? $"worker-{Guid.NewGuid():N}"[..19];
            var processor = new TurnProcessor(chat, store, events, tools, BedrockErrorAdapter.CreateClassifier(), options.Turn, options.DefaultModelId, workerId, time, loggerFactory.CreateLogger<TurnProcessor>(), publishPolicy: seams.PublishPolicy);
            var handler = new SqsBatchHandler(processor, loggerFactory.CreateLogger<SqsBatchHandler>());
            return new WorkerHost(options, processor, handler, owned);
        }
        catch
        {
            owned.ForEach(o => o.Dispose());
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    private static DynamoConversationStore CreateStore(WorkerOptions options, AWSCredentials credentials, TimeProvider time, List<IDisposable> owned)
    {
        var dynamo = Own(owned, DynamoDbClientFactory.Create(options.Region, options.DynamoDbEndpoint, credentials));
        return new DynamoConversationStore(dynamo, new ConversationStoreOptions(options.TableName), time);
    }

    private static T Own<T>(List<IDisposable> owned, T disposable)
        where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
    }
}

/// <summary>Replacements for the Worker's outside dependencies; null members use the real implementation.</summary>
public sealed record WorkerSeams
{
    public IChatClient? Chat { get; init; }

    public ITurnStore? Store { get; init; }

    public IEventsPublisher? Events { get; init; }

    public ToolRegistry? Tools { get; init; }

    public TimeProvider? Time { get; init; }

    /// <summary>The lease owner prefix of this process (default: a random id).</summary>
    public string? WorkerId { get; init; }

    /// <summary>
    /// Replaces the one publishing policy (coalescing, <c>APPSYNCCHAT_COALESCE_*</c>) — only for the benchmark's
    /// baselines (<c>bench/Baselines/</c>), which publish the way other systems do for comparison.
    /// </summary>
    public IPublishPolicy? PublishPolicy { get; init; }
}
