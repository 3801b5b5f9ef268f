namespace AppSyncChat.Local.Hosting;

/// <summary>
/// Everything the Local stack can be told. The defaults are what <c>dotnet run --project Local</c> uses;
/// tests start from <see cref="ForTests"/> (dynamic ports, a fast model, a private state folder).
/// </summary>
public sealed record LocalStackOptions
{
    public LocalStackPorts Ports { get; init; } = LocalStackPorts.Default;

    /// <summary>The repository root (holds <c>Contracts/schema.graphql</c> and <c>Local/sidecar</c>); null: found upwards from the app and the current folder.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>Where to write the endpoints file; null writes none.</summary>
    public string? EndpointsFilePath { get; init; }

    /// <summary>Folder for generated files (the Events TLS certificate); null: a fresh temporary folder, deleted on dispose.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>The Node.js executable (a name on PATH or a path).</summary>
    public string NodePath { get; init; } = "node";

    /// <summary>
    /// Build the web chat app (<c>web/app</c>: npm ci + vite build) when its sources or lock file changed since
    /// the last build. The command line sets it (unless <c>--no-web-app</c>); tests leave it off. The sidecar
    /// serves whatever <c>web/app/dist</c> holds at <c>/app/</c> either way.
    /// </summary>
    public bool BuildWebApp { get; init; }

    public string Region { get; init; } = LocalDefaults.Region;

    public string AccessKeyId { get; init; } = LocalDefaults.AccessKeyId;

    public string SecretAccessKey { get; init; } = LocalDefaults.SecretAccessKey;

    /// <summary>The API key of both the GraphQL endpoint and the AppSync Events emulator.</summary>
    public string ApiKey { get; init; } = LocalDefaults.ApiKey;

    /// <summary>The local Cognito-like user: a bearer token the GraphQL endpoint accepts, and its <c>sub</c>.</summary>
    public string LocalUserToken { get; init; } = LocalDefaults.LocalUserToken;

    public string LocalUserSub { get; init; } = LocalDefaults.LocalUserSub;

    public string LocalUserName { get; init; } = LocalDefaults.LocalUserName;

    /// <summary>More Cognito-like users beside the local user (tests of who may see whose conversations); none by default.</summary>
    public IReadOnlyList<LocalUser> OtherUsers { get; init; } = [];

    public string TableName { get; init; } = LocalDefaults.TableName;

    public string QueueName { get; init; } = LocalDefaults.QueueName;

    public string DeadLetterQueueName { get; init; } = LocalDefaults.DeadLetterQueueName;

    /// <summary>Receives before a message moves to the DLQ (the redrive policy's maxReceiveCount).</summary>
    public int MaxReceiveCount { get; init; } = 3;

    /// <summary>The queue's visibility timeout: the Worker's timeout + 30 s, as deployed (a crashed turn is taken over that soon).</summary>
    public TimeSpan QueueVisibilityTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The Worker's Lambda timeout (the deadline each SQS batch invocation gets).</summary>
    public TimeSpan WorkerTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The Api function's timeout (AppSync's resolver limit is 30 s).</summary>
    public TimeSpan ApiTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Api execution environments (concurrent GraphQL resolver invocations).</summary>
    public int ApiConcurrency { get; init; } = 4;

    /// <summary>Worker execution environments, and the event-source mapping's maximum concurrency (2 or more).</summary>
    public int WorkerConcurrency { get; init; } = 5;

    /// <summary>Records per Worker invocation (the event-source mapping's batch size).</summary>
    public int WorkerBatchSize { get; init; } = 10;

    /// <summary>Log format of the hosted functions (<c>text</c> or <c>json</c>).</summary>
    public string FunctionLogFormat { get; init; } = "text";

    public string ApiFunctionName { get; init; } = LocalDefaults.ApiFunctionName;

    public string WorkerFunctionName { get; init; } = LocalDefaults.WorkerFunctionName;

    public LocalModelOptions Model { get; init; } = LocalModelOptions.Default;

    /// <summary>
    /// Run the Worker's execution environments as processes of this program (e.g. <c>dotnet bootstrap-worker.dll</c>
    /// or a published <c>bootstrap</c>) instead of in this process: <see cref="WorkerConcurrency"/> processes, each
    /// restarted when it dies, as Lambda replaces a crashed environment (<see cref="Lambda.ExternalFunctionPool"/>).
    /// Null (the default): in process.
    /// </summary>
    public ExternalWorkerOptions? WorkerProcess { get; init; }

    /// <summary>Opt-in faults of the AppSync Events emulator's publish path (fault campaigns); null: none.</summary>
    public AppSyncEvents.EventsPublishFaults? EventsPublishFaults { get; init; }

    /// <summary>Extra settings for the Api function (override the ones the stack computes).</summary>
    public IReadOnlyDictionary<string, string> ApiSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra settings for the Worker function (override the ones the stack computes).</summary>
    public IReadOnlyDictionary<string, string> WorkerSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>How long the Node sidecar may take to report ready (after any npm ci).</summary>
    public TimeSpan SidecarStartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Dynamic ports, a fast deterministic model, no endpoints file, a private state folder.</summary>
    public static LocalStackOptions ForTests() => new()
    {
        Ports = LocalStackPorts.Dynamic,
        Model = LocalModelOptions.Fast,
    };
}

/// <summary>A bearer token the GraphQL endpoint and the Events emulator accept, and the Cognito-like identity it stands for.</summary>
public sealed record LocalUser(string Token, string Sub, string Name);

/// <summary>The program that runs one Worker execution environment out of process.</summary>
/// <param name="Executable">A published <c>bootstrap</c>, or <c>dotnet</c>.</param>
/// <param name="Arguments">E.g. the path of <c>bootstrap-worker.dll</c> when <paramref name="Executable"/> is <c>dotnet</c>.</param>
public sealed record ExternalWorkerOptions(string Executable, IReadOnlyList<string> Arguments)
{
    /// <summary>
    /// The framework-dependent Worker the build puts next to an assembly that references it (<c>bootstrap-worker.dll</c>),
    /// run by <c>dotnet exec</c> with <paramref name="host"/>'s runtime configuration and dependency manifest: a host
    /// that uses ASP.NET Core gets the Worker's Microsoft.Extensions.* assemblies from that shared framework instead of
    /// its own folder, so the Worker's own manifest would not find them.
    /// </summary>
    public static ExternalWorkerOptions BesideThisProgram(System.Reflection.Assembly host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var directory = AppContext.BaseDirectory;
        var dll = Path.Combine(directory, "bootstrap-worker.dll");
        var name = host.GetName().Name;
        var runtimeConfig = Path.Combine(directory, name + ".runtimeconfig.json");
        var deps = Path.Combine(directory, name + ".deps.json");
        foreach (var file in new[] { dll, runtimeConfig, deps })
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"{file} is missing: {name} must be an executable that references the Worker project.", file);
            }
        }

        return new ExternalWorkerOptions("dotnet", ["exec", "--runtimeconfig", runtimeConfig, "--depsfile", deps, dll]);
    }
}

/// <summary>Defaults of the Bedrock emulator's model (each request may override them with <c>[[key=value]]</c> directives).</summary>
public sealed record LocalModelOptions
{
    public string ModelId { get; init; } = LocalDefaults.ModelId;

    public TimeSpan TimeToFirstToken { get; init; } = TimeSpan.FromMilliseconds(400);

    public double TokensPerSecond { get; init; } = 40;

    /// <summary>Answer length in tokens.</summary>
    public int AnswerTokens { get; init; } = 120;

    /// <summary>A model that answers like a real one: a short pause, then a readable pace.</summary>
    public static LocalModelOptions Default { get; } = new();

    /// <summary>For tests: no first-token delay, a quick pace, a short answer.</summary>
    public static LocalModelOptions Fast { get; } = new()
    {
        TimeToFirstToken = TimeSpan.Zero,
        TokensPerSecond = 2000,
        AnswerTokens = 24,
    };
}

/// <summary>The fixed local values every part of the Local stack and the tests share (ports, names, keys).</summary>
public static class LocalDefaults
{
    public const string Region = "us-east-1";
    public const string AccessKeyId = "AKIDLOCALAPPSYNCCHAT";
    public const string SecretAccessKey = "local-secret-key-not-for-aws";
    public const string ApiKey = "da2-localappsyncchatkey";
    public const string LocalUserToken = "local-user-token-appsyncchat";
    public const string LocalUserSub = "6f1c2d3e-0000-4000-8000-00000000a11c";
    public const string LocalUserName = "local-user";
    public const string TableName = "appsyncchat-local";
    public const string QueueName = "appsyncchat-turns";
    public const string DeadLetterQueueName = "appsyncchat-turns-dlq";
    public const string ApiFunctionName = "appsyncchat-api";
    public const string WorkerFunctionName = "appsyncchat-worker";
    public const string ModelId = "anthropic.claude-3-5-haiku-20241022-v1:0";
    public const string EndpointsFileRelativePath = ".local/endpoints.json";
}
