using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Local.Lambda;

/// <summary>How to run a function's execution environments as processes (<see cref="ExternalFunctionPool"/>).</summary>
public sealed record ExternalFunctionPoolOptions
{
    /// <summary>The program to start: a published <c>bootstrap</c>, or <c>dotnet</c> with the function's dll in <see cref="Arguments"/>.</summary>
    public required string Executable { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Execution environments (processes) kept running.</summary>
    public int Environments { get; init; } = 5;

    /// <summary>The function's environment variables (Lambda's reserved ones are added).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>How long after a process ended its replacement starts (Lambda starts a fresh environment on a later invoke).</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>One environment killed by <see cref="ExternalFunctionPool.KillEnvironmentsRunning"/>: its process id, and the event it was working on.</summary>
public sealed record KilledEnvironment(int ProcessId, DateTimeOffset KilledAt, string RequestId, byte[] Payload);

/// <summary>
/// A function's execution environments as separate processes, each with its own Runtime API address
/// (<see cref="LambdaRuntimeServer.DedicatedRuntimeApis"/>), kept running as Lambda keeps a function available:
/// when a process dies (killed, crashed, exited) its invocation fails at once with <c>Runtime.ExitError</c> and a
/// new process starts in its place (a cold start). <see cref="KillEnvironmentsRunning"/> sends SIGKILL to the
/// processes working on a given event — a real crash for fault campaigns, not a cancelled invocation.
/// </summary>
public sealed partial class ExternalFunctionPool : IAsyncDisposable
{
    private readonly LambdaRuntimeServer _server;
    private readonly ExternalFunctionPoolOptions _options;
    private readonly ILogger _logger;
    private readonly ExternalFunctionProcess?[] _current;
    private readonly List<Task> _supervisors = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _restarts;

    private ExternalFunctionPool(LambdaRuntimeServer server, ExternalFunctionPoolOptions options, ILogger logger)
    {
        _server = server;
        _options = options;
        _logger = logger;
        _current = new ExternalFunctionProcess?[options.Environments];
    }

    /// <summary>Processes started again after one ended.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>The running processes' ids (one per environment; an environment between two processes is left out).</summary>
    public IReadOnlyList<int> ProcessIds
    {
        get
        {
            lock (_current)
            {
                return [.. _current.Where(p => p is { HasExited: false }).Select(p => p!.ProcessId)];
            }
        }
    }

    /// <summary>The tail of each running process's output (its logs), for diagnostics.</summary>
    public string OutputTail(int charactersPerProcess = 4000)
    {
        lock (_current)
        {
            return string.Join("\n", _current.OfType<ExternalFunctionProcess>().Select(p =>
            {
                var output = p.Output;
                return $"--- process {p.ProcessId} ---\n" + (output.Length > charactersPerProcess ? output[^charactersPerProcess..] : output);
            }));
        }
    }

    /// <param name="server">Started with at least <see cref="ExternalFunctionPoolOptions.Environments"/> dedicated Runtime API addresses.</param>
    public static ExternalFunctionPool Start(LambdaRuntimeServer server, ExternalFunctionPoolOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Environments, 1);
        if (server.DedicatedRuntimeApis.Count < options.Environments)
        {
            throw new ArgumentException($"The Runtime API server has {server.DedicatedRuntimeApis.Count} dedicated addresses; {options.Environments} environments need one each.", nameof(server));
        }

        var pool = new ExternalFunctionPool(server, options, loggerFactory?.CreateLogger($"AppSyncChat.Local.Lambda.{server.Function.FunctionName}.Processes") ?? NullLogger.Instance);
        for (var i = 0; i < options.Environments; i++)
        {
            var environment = i;
            pool._supervisors.Add(Task.Run(() => pool.SuperviseAsync(environment)));
        }

        return pool;
    }

    /// <summary>
    /// Sends SIGKILL to every process whose running invocation's event contains <paramref name="eventText"/> (e.g. a
    /// message id in an SQS record; a record delivered twice can be in two invocations) and returns what was killed;
    /// empty when no running invocation matches. The pool then fails those invocations and starts new processes.
    /// </summary>
    public IReadOnlyList<KilledEnvironment> KillEnvironmentsRunning(string eventText)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventText);
        var needle = JsonEncodedText.Encode(eventText).EncodedUtf8Bytes.ToArray();
        var killed = new List<KilledEnvironment>();
        foreach (var invocation in _server.InFlight())
        {
            if (invocation.Payload.AsSpan().IndexOf(needle) < 0)
            {
                continue;
            }

            var environment = _server.DedicatedRuntimeApis.ToList().IndexOf(invocation.RuntimeApi);
            ExternalFunctionProcess? process;
            lock (_current)
            {
                process = environment >= 0 && environment < _current.Length ? _current[environment] : null;
            }

            if (process is null || process.HasExited)
            {
                continue;
            }

            var killedAt = DateTimeOffset.UtcNow;
            process.Kill();
            LogKilled(_logger, process.ProcessId, invocation.RequestId);
            killed.Add(new KilledEnvironment(process.ProcessId, killedAt, invocation.RequestId, invocation.Payload));
        }

        return killed;
    }

    /// <summary>Stops the supervisors and kills every process.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_supervisors).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Keeps one environment running: start, wait for the exit, fail its invocation, start again.</summary>
    private async Task SuperviseAsync(int environment)
    {
        var runtimeApi = _server.DedicatedRuntimeApis[environment];
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            ExternalFunctionProcess process;
            try
            {
                process = ExternalFunctionProcess.Start(_server, _options.Executable, _options.Settings, _options.Arguments, runtimeApi);
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                LogStartFailed(_logger, environment, ex);
                if (!await DelayAsync(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            lock (_current)
            {
                _current[environment] = process;
            }

            await using (process.ConfigureAwait(false))
            {
                int exitCode;
                try
                {
                    exitCode = await process.WaitForExitAsync(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return; // disposing the process kills it
                }

                lock (_current)
                {
                    _current[environment] = null;
                }

                // Lambda fails the invocation of an environment whose runtime exited (exit code 137 = SIGKILL).
                var failed = _server.FailInFlight(runtimeApi, exitCode == 137 ? "signal: killed" : $"exit status {exitCode}");
                Interlocked.Increment(ref _restarts);
                LogExited(_logger, process.ProcessId, exitCode, failed);
            }

            if (!await DelayAsync(_options.RestartDelay, stopping).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 140, Level = LogLevel.Warning, Message = "Killed function process {ProcessId} (SIGKILL) while it ran invocation {RequestId}")]
    private static partial void LogKilled(ILogger logger, int processId, string requestId);

    [LoggerMessage(EventId = 141, Level = LogLevel.Warning, Message = "Function process {ProcessId} exited with code {ExitCode}; {Failed} invocation(s) failed with Runtime.ExitError; starting a new one")]
    private static partial void LogExited(ILogger logger, int processId, int exitCode, int failed);

    [LoggerMessage(EventId = 142, Level = LogLevel.Error, Message = "Could not start the process of environment {Environment}; retrying")]
    private static partial void LogStartFailed(ILogger logger, int environment, Exception exception);
}
