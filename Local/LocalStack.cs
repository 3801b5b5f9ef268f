using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AppSyncChat.Api;
using AppSyncChat.Aws.Sqs;
using AppSyncChat.Local.AppSyncEvents;
using AppSyncChat.Local.Bedrock;
using AppSyncChat.Local.Hosting;
using AppSyncChat.Local.Lambda;
using AppSyncChat.Worker;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Local;

/// <summary>
/// The whole AppSyncChat system on 127.0.0.1: the Node sidecar (DynamoDB, SQS, GraphQL endpoint), the
/// Bedrock and AppSync Events emulators, and the Api and Worker functions hosted the way Lambda would
/// host them. <c>dotnet run --project Local</c> and the integration-test fixture both start it here.
/// Disposing stops every part and every child process.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    private readonly Stack<IAsyncDisposable> _parts;
    private readonly ILogger _logger;
    private readonly string? _endpointsFile;
    private readonly string? _temporaryStateDirectory;
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private LocalStack(
        LocalStackEndpoints endpoints,
        Stack<IAsyncDisposable> parts,
        NodeSidecar sidecar,
        ILogger logger,
        string? endpointsFile,
        string? temporaryStateDirectory,
        ExternalFunctionPool? workerProcesses,
        AppSyncEventsEmulatorServer events)
    {
        Endpoints = endpoints;
        WorkerProcesses = workerProcesses;
        Events = events;
        _parts = parts;
        _logger = logger;
        _endpointsFile = endpointsFile;
        _temporaryStateDirectory = temporaryStateDirectory;
        _ = sidecar.Exited.ContinueWith(
            _ =>
            {
                if (!sidecar.IsStopping)
                {
                    _failed.TrySetException(LocalStackException.SidecarFailed("the Node sidecar (DynamoDB, SQS, GraphQL) exited while the stack was running"));
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Where everything listens (the same data as the endpoints file).</summary>
    public LocalStackEndpoints Endpoints { get; }

    /// <summary>The Worker's processes when <see cref="LocalStackOptions.WorkerProcess"/> is set; null when the Worker runs in this process.</summary>
    public ExternalFunctionPool? WorkerProcesses { get; }

    /// <summary>The AppSync Events emulator (its counters, including injected publish faults).</summary>
    public AppSyncEventsEmulatorServer Events { get; }

    /// <summary>Faults when a part of the stack dies while it runs (e.g. the Node sidecar was killed). Never completes otherwise.</summary>
    public Task Failure => _failed.Task;

    /// <summary>Starts every part; on failure stops what had started and throws <see cref="LocalStackException"/>.</summary>
    public static async Task<LocalStack> StartAsync(LocalStackOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<LocalStack>();
        var layout = RepositoryLayout.Locate(options.RepositoryRoot);
        PortCheck.EnsureFree(options.Ports);

        var parts = new Stack<IAsyncDisposable>();
        string? temporaryStateDirectory = null;
        try
        {
            var stateDirectory = options.StateDirectory;
            if (stateDirectory is null)
            {
                stateDirectory = temporaryStateDirectory = Directory.CreateTempSubdirectory("appsyncchat-local-").FullName;
            }

            Directory.CreateDirectory(stateDirectory);

            await NodeTooling.CheckNodeAsync(options.NodePath, cancellationToken).ConfigureAwait(false);
            await NodeTooling.EnsureInstalledAsync(layout.SidecarDirectory, options.NodePath, m => logger.LogInformation("{Progress}", m), cancellationToken).ConfigureAwait(false);
            if (options.BuildWebApp)
            {
                await WebAppBuild.EnsureBuiltAsync(layout, options.NodePath, m => logger.LogInformation("{Progress}", m), cancellationToken).ConfigureAwait(false);
            }

            // 1. Our own C# servers. They only listen; nothing calls them until the functions run.
            var credentials = new Dictionary<string, string>(StringComparer.Ordinal) { [options.AccessKeyId] = options.SecretAccessKey };
            var bedrock = await StartPartAsync(
                parts,
                () => BedrockEmulatorServer.StartAsync(
                    new BedrockEmulatorOptions
                    {
                        Port = options.Ports.Bedrock,
                        Region = options.Region,
                        Credentials = credentials,
                        TimeToFirstToken = options.Model.TimeToFirstToken,
                        TokensPerSecond = options.Model.TokensPerSecond,
                        AnswerTokens = options.Model.AnswerTokens,
                    },
                    cancellationToken),
                [options.Ports.All().First(p => p.Flag == LocalSettingNames.BedrockPortFlag)]).ConfigureAwait(false);

            // The chat namespace's onSubscribe owner check, reading the table once it exists (step 3).
            var subscribeRule = new ChatSubscribeRule(options.OtherUsers.Prepend(new LocalUser(options.LocalUserToken, options.LocalUserSub, options.LocalUserName)));
            var events = await StartPartAsync(
                parts,
                () => AppSyncEventsEmulatorServer.StartAsync(
                    new AppSyncEventsEmulatorOptions
                    {
                        HttpPort = options.Ports.EventsHttp,
                        TlsPort = options.Ports.EventsTls,
                        CertificatePemPath = Path.Combine(stateDirectory, "events-tls-certificate.pem"),
                        ApiKeys = [options.ApiKey],
                        Credentials = credentials,
                        Region = options.Region,
                        BearerTokens = [options.LocalUserToken, .. options.OtherUsers.Select(u => u.Token)],
                        SubscribeRule = subscribeRule.AllowAsync,
                        PublishFaults = options.EventsPublishFaults,
                        LoggerFactory = loggerFactory,
                    },
                    cancellationToken),
                [.. options.Ports.All().Where(p => p.Flag is LocalSettingNames.EventsPortFlag or LocalSettingNames.EventsTlsPortFlag)]).ConfigureAwait(false);

            // The Lambda Invoke API listens first (the GraphQL endpoint needs its URL); functions register once they run.
            var invoke = await StartPartAsync(
                parts,
                () => InvokeApiServer.StartAsync(options.Ports.Lambda, [], loggerFactory, cancellationToken),
                [options.Ports.All().First(p => p.Flag == LocalSettingNames.LambdaPortFlag)]).ConfigureAwait(false);
            var invokeEndpoint = invoke.Endpoint.ToString().TrimEnd('/');

            // 2. The Node sidecar: DynamoDB, SQS and the GraphQL endpoint (which calls the Invoke API).
            var sidecar = await NodeSidecar.StartAsync(
                new NodeSidecarOptions
                {
                    NodePath = options.NodePath,
                    SidecarDirectory = layout.SidecarDirectory,
                    SchemaPath = layout.SchemaPath,
                    DynamoDbPort = options.Ports.DynamoDb,
                    SqsPort = options.Ports.Sqs,
                    GraphQLPort = options.Ports.GraphQL,
                    InvokeEndpoint = invokeEndpoint,
                    ApiFunctionName = options.ApiFunctionName,
                    ApiKey = options.ApiKey,
                    Region = options.Region,
                    AccessKeyId = options.AccessKeyId,
                    SecretAccessKey = options.SecretAccessKey,
                    LocalUserToken = options.LocalUserToken,
                    LocalUserSub = options.LocalUserSub,
                    LocalUserName = options.LocalUserName,
                    OtherUsers = options.OtherUsers,
                    StartTimeout = options.SidecarStartTimeout,
                    WebAppDistDirectory = Path.Combine(layout.WebAppDirectory, "dist"),
                    EventsEndpoint = events.TlsBaseAddress is { } eventsTls ? new Uri(eventsTls, events.HttpPublishEndpoint.AbsolutePath).ToString() : null,
                    EventsRealtimeUrl = events.RealtimeEndpoint.ToString(),
                },
                loggerFactory.CreateLogger<NodeSidecar>(),
                cancellationToken).ConfigureAwait(false);
            parts.Push(sidecar);
            var dynamoDbUrl = $"http://127.0.0.1:{sidecar.DynamoDbPort}";
            var sqsUrl = $"http://127.0.0.1:{sidecar.SqsPort}";
            var graphqlBase = $"http://127.0.0.1:{sidecar.GraphQLPort}";

            // 3. Resources, as the CDK stack creates them in AWS: the table, the queue with its DLQ.
            var sqs = SqsClientFactory.Create(new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey), options.Region, new Uri(sqsUrl));
            parts.Push(new DisposableAdapter(sqs));
            var tableTask = LocalResources.CreateTableAsync(dynamoDbUrl, options, cancellationToken);
            var queuesTask = LocalResources.CreateQueuesAsync(sqs, options, cancellationToken);
            await Task.WhenAll(tableTask, queuesTask).ConfigureAwait(false);
            var (queueUrl, deadLetterQueueUrl) = await queuesTask.ConfigureAwait(false);
            var ownerReader = new AmazonDynamoDBClient(
                new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey),
                new AmazonDynamoDBConfig { ServiceURL = dynamoDbUrl, AuthenticationRegion = options.Region, MaxErrorRetry = 2 });
            parts.Push(new DisposableAdapter(ownerReader));
            subscribeRule.Attach(ChatSubscribeRule.OwnerReader(ownerReader, options.TableName));

            // 4. The functions, hosted as Lambda hosts them: the Api behind the Invoke API (what the GraphQL
            //    endpoint calls), the Worker behind the SQS event-source mapping of the turn queue.
            var functionSettings = new FunctionSettings(options, dynamoDbUrl, sqsUrl, queueUrl, bedrock.BaseAddress, events.HttpPublishEndpoint);
            var api = await HostedFunction.StartAsync(
                new LambdaFunctionOptions { FunctionName = options.ApiFunctionName, Timeout = options.ApiTimeout, Region = options.Region },
                ApiFunction.RunAsync,
                new FunctionHostOptions { Instances = options.ApiConcurrency, Settings = functionSettings.ForApi() },
                loggerFactory: loggerFactory,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            parts.Push(api);
            invoke.Register(api.Server);

            var workerFunction = new LambdaFunctionOptions { FunctionName = options.WorkerFunctionName, Timeout = options.WorkerTimeout, Region = options.Region };
            LambdaRuntimeServer workerServer;
            ExternalFunctionPool? workerProcesses = null;
            if (options.WorkerProcess is { } external)
            {
                workerServer = await LambdaRuntimeServer.StartAsync(workerFunction, options.WorkerConcurrency, loggerFactory: loggerFactory, cancellationToken: cancellationToken).ConfigureAwait(false);
                parts.Push(workerServer);
                workerProcesses = ExternalFunctionPool.Start(
                    workerServer,
                    new ExternalFunctionPoolOptions { Executable = external.Executable, Arguments = external.Arguments, Environments = options.WorkerConcurrency, Settings = functionSettings.ForWorker() },
                    loggerFactory);
                parts.Push(workerProcesses);
            }
            else
            {
                var worker = await HostedFunction.StartAsync(
                    workerFunction,
                    WorkerFunction.RunAsync,
                    new FunctionHostOptions { Instances = options.WorkerConcurrency, Settings = functionSettings.ForWorker() },
                    loggerFactory: loggerFactory,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                parts.Push(worker);
                workerServer = worker.Server;
            }

            invoke.Register(workerServer);
            var mapping = await SqsEventSourceMapping.StartAsync(
                sqs,
                workerServer,
                new SqsEventSourceMappingOptions
                {
                    QueueUrl = queueUrl,
                    BatchSize = options.WorkerBatchSize,
                    MaximumConcurrency = options.WorkerConcurrency,
                    ReportBatchItemFailures = true,
                    Region = options.Region,
                },
                loggerFactory: loggerFactory,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            parts.Push(mapping);

            var tls = events.TlsBaseAddress;
            var endpoints = new LocalStackEndpoints
            {
                Region = options.Region,
                AccessKeyId = options.AccessKeyId,
                SecretAccessKey = options.SecretAccessKey,
                GraphqlUrl = $"{graphqlBase}/graphql",
                GraphqlApiKey = options.ApiKey,
                ExplorerUrl = $"{graphqlBase}/",
                WebAppUrl = $"{graphqlBase}/app/",
                LocalUserToken = options.LocalUserToken,
                LocalUserSub = options.LocalUserSub,
                EventsHttpUrl = events.HttpPublishEndpoint.ToString(),
                EventsRealtimeUrl = events.RealtimeEndpoint.ToString(),
                EventsHttpsUrl = tls is null ? null : new Uri(tls, events.HttpPublishEndpoint.AbsolutePath).ToString(),
                EventsRealtimeTlsUrl = tls is null ? null : new UriBuilder(tls) { Scheme = "wss", Path = events.RealtimeEndpoint.AbsolutePath }.Uri.ToString(),
                EventsCertificatePath = events.CertificatePemPath,
                EventsApiKey = options.ApiKey,
                BedrockUrl = bedrock.BaseAddress.ToString().TrimEnd('/'),
                LambdaUrl = invokeEndpoint,
                ModelId = options.Model.ModelId,
                DynamoDbUrl = dynamoDbUrl,
                TableName = options.TableName,
                SqsUrl = sqsUrl,
                QueueUrl = queueUrl,
                DeadLetterQueueUrl = deadLetterQueueUrl,
                ApiFunctionName = options.ApiFunctionName,
                WorkerFunctionName = options.WorkerFunctionName,
                ProcessId = Environment.ProcessId,
                SidecarProcessId = sidecar.ProcessId,
                StartedAt = DateTimeOffset.UtcNow,
            };

            if (options.EndpointsFilePath is { } endpointsFile)
            {
                await EndpointsFile.WriteAsync(endpointsFile, endpoints, cancellationToken).ConfigureAwait(false);
            }

            return new LocalStack(endpoints, parts, sidecar, logger, options.EndpointsFilePath, temporaryStateDirectory, workerProcesses, events);
        }
        catch
        {
            await StopPartsAsync(parts, logger).ConfigureAwait(false);
            DeleteDirectory(temporaryStateDirectory);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopPartsAsync(_parts, _logger).ConfigureAwait(false);
        if (_endpointsFile is not null)
        {
            EndpointsFile.DeleteIfOurs(_endpointsFile, Environment.ProcessId);
        }

        DeleteDirectory(_temporaryStateDirectory);
        _failed.TrySetCanceled();
    }

    /// <summary>Starts one C# server and registers it for shutdown; a failed bind becomes <see cref="LocalStackErrorCode.PortInUse"/>.</summary>
    private static async Task<T> StartPartAsync<T>(Stack<IAsyncDisposable> parts, Func<Task<T>> start, IReadOnlyList<PortBinding> ports)
        where T : IAsyncDisposable
    {
        T part;
        try
        {
            part = await start().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException || ex.InnerException is IOException)
        {
            // The pre-check passed, so another process took the port in between: name it if it is one of ours.
            var taken = ports.FirstOrDefault(p => p.Port != 0 && !PortCheck.IsFree(p.Port, out _)) ?? ports[0];
            throw LocalStackException.PortInUse(taken.Service, taken.Port, taken.Flag, taken.EnvironmentVariable, ex);
        }

        parts.Push(part);
        return part;
    }

    private sealed class DisposableAdapter(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private static async Task StopPartsAsync(Stack<IAsyncDisposable> parts, ILogger logger)
    {
        while (parts.TryPop(out var part))
        {
            try
            {
                await part.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Keep stopping the rest: a part that fails to stop must not leave the others running.
                logger.LogWarning(ex, "Stopping {Part} failed", part.GetType().Name);
            }
        }
    }

    private static void DeleteDirectory(string? directory)
    {
        if (directory is null)
        {
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a temp folder left behind is harmless
        }
    }
}
