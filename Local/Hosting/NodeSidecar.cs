using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AppSyncChat.Local.Hosting;

/// <summary>What the sidecar needs to start (see <c>Local/sidecar/sidecar.mjs</c>).</summary>
internal sealed record NodeSidecarOptions
{
    public required string NodePath { get; init; }

    public required string SidecarDirectory { get; init; }

    public required string SchemaPath { get; init; }

    public required int DynamoDbPort { get; init; }

    public required int SqsPort { get; init; }

    public required int GraphQLPort { get; init; }

    /// <summary>Base URL of the Lambda Invoke API the GraphQL endpoint calls.</summary>
    public required string InvokeEndpoint { get; init; }

    public required string ApiFunctionName { get; init; }

    public required string ApiKey { get; init; }

    public required string Region { get; init; }

    public required string AccessKeyId { get; init; }

    public required string SecretAccessKey { get; init; }

    public required string LocalUserToken { get; init; }

    public required string LocalUserSub { get; init; }

    public required string LocalUserName { get; init; }

    /// <summary>More users the GraphQL endpoint accepts (token, sub, name), passed by environment like every secret.</summary>
    public IReadOnlyList<LocalUser> OtherUsers { get; init; } = [];

    public required TimeSpan StartTimeout { get; init; }

    /// <summary>The web chat app's build folder (<c>web/app/dist</c>), served at <c>/app/</c>.</summary>
    public string? WebAppDistDirectory { get; init; }

    /// <summary>AppSync Events endpoint for browser pages (the app's Amplify configuration): <c>https://127.0.0.1:&lt;tls&gt;/event</c>.</summary>
    public string? EventsEndpoint { get; init; }

    /// <summary>The Events emulator's plain realtime URL (<c>ws://127.0.0.1:&lt;port&gt;/event/realtime</c>) browser pages connect to.</summary>
    public string? EventsRealtimeUrl { get; init; }
}

/// <summary>
/// The Node sidecar as a child process: dynalite, local-aws-sqs and the GraphQL endpoint.
/// It never outlives us:
/// <list type="bullet">
/// <item>its stdin is a pipe from us; when we die for any reason (even <c>kill -9</c>) the kernel closes
/// the pipe and the sidecar exits on EOF;</item>
/// <item>it stays in our process group, so a terminal's Ctrl+C (SIGINT to the group) reaches it too;</item>
/// <item><see cref="DisposeAsync"/> closes stdin, waits briefly, then kills its whole process tree;</item>
/// <item><see cref="AppDomain.ProcessExit"/> kills it if the process exits without disposing.</item>
/// </list>
/// No <c>prctl(PR_SET_PDEATHSIG)</c>: it needs native code and does not exist on macOS.
/// </summary>
internal sealed class NodeSidecar : IAsyncDisposable
{
    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(3);

    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<SidecarMessage> _firstMessage = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly EventHandler _onProcessExit;
    private readonly Queue<string> _stderrTail = new();
    private int _disposed;

    private NodeSidecar(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
        _onProcessExit = (_, _) => KillNow();
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;
    }

    public int ProcessId => _process.Id;

    public int DynamoDbPort { get; private set; }

    public int SqsPort { get; private set; }

    public int GraphQLPort { get; private set; }

    /// <summary>Completes when the sidecar process has exited (expectedly or not).</summary>
    public Task Exited => _exited.Task;

    public bool IsStopping => Volatile.Read(ref _disposed) != 0;

    public static async Task<NodeSidecar> StartAsync(NodeSidecarOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(options.NodePath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = options.SidecarDirectory,
        };
        string[] arguments =
        [
            Path.Combine(options.SidecarDirectory, "sidecar.mjs"),
            "--host", "127.0.0.1",
            "--dynamodb-port", Port(options.DynamoDbPort),
            "--sqs-port", Port(options.SqsPort),
            "--graphql-port", Port(options.GraphQLPort),
            "--schema", options.SchemaPath,
            "--invoke-endpoint", options.InvokeEndpoint,
            "--api-function", options.ApiFunctionName,
            "--region", options.Region,
            "--user-sub", options.LocalUserSub,
            "--user-name", options.LocalUserName,
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (flag, value) in new[] { ("--web-app-dir", options.WebAppDistDirectory), ("--events-endpoint", options.EventsEndpoint), ("--events-realtime-url", options.EventsRealtimeUrl) })
        {
            if (value is not null)
            {
                startInfo.ArgumentList.Add(flag);
                startInfo.ArgumentList.Add(value);
            }
        }

        // Secrets by environment, not argv (argv is visible to every user in ps).
        startInfo.Environment["APPSYNCCHAT_LOCAL_API_KEY"] = options.ApiKey;
        startInfo.Environment["APPSYNCCHAT_LOCAL_USER_TOKEN"] = options.LocalUserToken;
        if (options.OtherUsers.Count > 0)
        {
            startInfo.Environment["APPSYNCCHAT_LOCAL_OTHER_USERS"] = new JsonArray([.. options.OtherUsers.Select(u => (JsonNode)new JsonObject { ["token"] = u.Token, ["sub"] = u.Sub, ["username"] = u.Name })]).ToJsonString();
        }

        startInfo.Environment["AWS_ACCESS_KEY_ID"] = options.AccessKeyId;
        startInfo.Environment["AWS_SECRET_ACCESS_KEY"] = options.SecretAccessKey;
        startInfo.Environment["AWS_REGION"] = options.Region;
        startInfo.Environment["AWS_EC2_METADATA_DISABLED"] = "true";

        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new Win32Exception("Process.Start returned null");
        }
        catch (Win32Exception ex)
        {
            throw LocalStackException.NodeMissing(options.NodePath, $"could not be started ({ex.Message})");
        }

        var sidecar = new NodeSidecar(process, logger);
        sidecar.Pump();
        try
        {
            await sidecar.WaitReadyAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await sidecar.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return sidecar;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private void Pump()
    {
        _ = Task.Run(async () =>
        {
            try
            {
                while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    OnStdoutLine(line);
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // the pipe closed under us while stopping
            }

            await _process.WaitForExitAsync().ConfigureAwait(false);
            var exitCode = _process.ExitCode;
            _firstMessage.TrySetException(LocalStackException.SidecarFailed($"it exited with code {exitCode} before reporting ready{RecentStderr()}"));
            if (!IsStopping)
            {
                _logger.LogError("The Node sidecar exited unexpectedly with code {ExitCode}{Stderr}", exitCode, RecentStderr());
            }

            _exited.TrySetResult();
        });
        _ = Task.Run(async () =>
        {
            try
            {
                while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    RememberStderr(line);
                    _logger.LogWarning("sidecar: {Line}", line); // the sidecar writes only problems to stderr
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        });
    }

    private void RememberStderr(string line)
    {
        lock (_stderrTail)
        {
            _stderrTail.Enqueue(line);
            while (_stderrTail.Count > 20)
            {
                _stderrTail.Dequeue();
            }
        }
    }

    private string RecentStderr()
    {
        lock (_stderrTail)
        {
            return _stderrTail.Count == 0 ? string.Empty : Environment.NewLine + string.Join(Environment.NewLine, _stderrTail);
        }
    }

    private void OnStdoutLine(string line)
    {
        SidecarMessage? message = null;
        if (line.StartsWith('{'))
        {
            try
            {
                message = JsonSerializer.Deserialize(line, LocalHostingJsonContext.Default.SidecarMessage);
            }
            catch (JsonException)
            {
                message = null;
            }
        }

        if (message?.Event is "ready" or "error")
        {
            _firstMessage.TrySetResult(message);
            return;
        }

        _logger.LogInformation("sidecar: {Line}", line);
    }

    private async Task WaitReadyAsync(NodeSidecarOptions options, CancellationToken cancellationToken)
    {
        SidecarMessage message;
        try
        {
            message = await _firstMessage.Task.WaitAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw LocalStackException.SidecarFailed($"it did not report ready within {options.StartTimeout.TotalSeconds:0} s{RecentStderr()}", ex);
        }

        if (message.Event == "error")
        {
            if (message.Code == "EADDRINUSE" && message.Port is int port)
            {
                throw message.Service switch
                {
                    "dynamodb" => LocalStackException.PortInUse("DynamoDB (dynalite)", port, LocalSettingNames.DynamoDbPortFlag, LocalSettingNames.DynamoDbPort),
                    "sqs" => LocalStackException.PortInUse("SQS (local-aws-sqs)", port, LocalSettingNames.SqsPortFlag, LocalSettingNames.SqsPort),
                    _ => LocalStackException.PortInUse("GraphQL endpoint", port, LocalSettingNames.GraphQLPortFlag, LocalSettingNames.GraphQLPort),
                };
            }

            throw LocalStackException.SidecarFailed($"{message.Code}: {message.Message}{RecentStderr()}");
        }

        DynamoDbPort = message.Dynamodb?.Port ?? throw LocalStackException.SidecarFailed("its ready line has no dynamodb port");
        SqsPort = message.Sqs?.Port ?? throw LocalStackException.SidecarFailed("its ready line has no sqs port");
        GraphQLPort = message.Graphql?.Port ?? throw LocalStackException.SidecarFailed("its ready line has no graphql port");
    }

    private void KillNow()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // already gone
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
        try
        {
            // EOF on stdin is the sidecar's cue to stop.
            _process.StandardInput.Close();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
        }

        using var grace = new CancellationTokenSource(GracefulStop);
        try
        {
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("The Node sidecar did not stop within {Seconds} s; killing it", GracefulStop.TotalSeconds);
            KillNow();
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // the output pumps are still draining; the process itself has exited
        }

        _process.Dispose();
    }
}

/// <summary>One lifecycle line the sidecar prints on stdout.</summary>
internal sealed record SidecarMessage
{
    public string? Event { get; init; }

    public string? Host { get; init; }

    public SidecarPort? Dynamodb { get; init; }

    public SidecarPort? Sqs { get; init; }

    public SidecarPort? Graphql { get; init; }

    public string? Code { get; init; }

    public string? Message { get; init; }

    public string? Service { get; init; }

    [JsonPropertyName("port")]
    public int? Port { get; init; }
}

internal sealed record SidecarPort(int Port);
