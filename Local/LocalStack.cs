using AppSyncChat.Local.Hosting;
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
    private readonly NodeSidecar _sidecar;
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private LocalStack(
        LocalStackEndpoints endpoints,
        Stack<IAsyncDisposable> parts,
        NodeSidecar sidecar,
        ILogger logger,
        string? endpointsFile,
        string? temporaryStateDirectory)
    {
        Endpoints = endpoints;
        _parts = parts;
        _sidecar = sidecar;
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

            // 1. Our own C# servers. They only listen; nothing calls them until the functions run.
            // Bedrock emulator:        Local/Bedrock (BedrockEmulatorServer.StartAsync) — wired when merged.
            // AppSync Events emulator: Local/AppSyncEvents (AppSyncEventsEmulatorServer.StartAsync) — wired when merged.
            // Lambda hosting:          Local/Lambda (Invoke API + Runtime API) — wired when merged.
            var invokeEndpoint = $"http://127.0.0.1:{options.Ports.Lambda}";

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
                    StartTimeout = options.SidecarStartTimeout,
                },
                loggerFactory.CreateLogger<NodeSidecar>(),
                cancellationToken).ConfigureAwait(false);
            parts.Push(sidecar);
            var dynamoDbUrl = $"http://127.0.0.1:{sidecar.DynamoDbPort}";
            var sqsUrl = $"http://127.0.0.1:{sidecar.SqsPort}";
            var graphqlBase = $"http://127.0.0.1:{sidecar.GraphQLPort}";

            // 3. Resources: the DynamoDB table (the Conversations table-creation code) and the SQS queue
            //    with its DLQ and redrive policy (through Aws/Sqs SqsClient) — wired when merged.

            // 4. The functions: Api behind the Invoke API, Worker behind the SQS event-source mapping — wired when merged.

            var endpoints = new LocalStackEndpoints
            {
                Region = options.Region,
                AccessKeyId = options.AccessKeyId,
                SecretAccessKey = options.SecretAccessKey,
                GraphqlUrl = $"{graphqlBase}/graphql",
                GraphqlApiKey = options.ApiKey,
                ExplorerUrl = $"{graphqlBase}/",
                LocalUserToken = options.LocalUserToken,
                LocalUserSub = options.LocalUserSub,
                EventsApiKey = options.ApiKey,
                ModelId = options.Model.ModelId,
                DynamoDbUrl = dynamoDbUrl,
                TableName = options.TableName,
                SqsUrl = sqsUrl,
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

            return new LocalStack(endpoints, parts, sidecar, logger, options.EndpointsFilePath, temporaryStateDirectory);
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
        GC.KeepAlive(_sidecar);
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
