using System.Diagnostics;
using System.Globalization;
using System.Text;
using AppSyncChat.Aws.Lambda;

namespace AppSyncChat.Local.Lambda;

/// <summary>
/// One execution environment of a function run out of process, as Lambda runs a custom runtime: a published
/// <c>bootstrap</c> executable (Native AOT or ReadyToRun) started with Lambda's reserved variables pointing at a
/// <see cref="LambdaRuntimeServer"/> on loopback, plus the function's settings as environment variables. Used to
/// check the deployable packages themselves (they start, poll and answer) and to time their start-up.
/// </summary>
public sealed class ExternalFunctionProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly LambdaRuntimeServer _server;
    private readonly long _startedAt;
    private const int MaxKeptOutput = 4 * 1024 * 1024;
    private readonly StringBuilder _output = new();

    private ExternalFunctionProcess(Process process, LambdaRuntimeServer server, long startedAt)
    {
        _process = process;
        _server = server;
        _startedAt = startedAt;
    }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote to stdout and stderr so far (its logs), for diagnostics.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="executable">The <c>bootstrap</c> to run (any executable; <c>dotnet</c> with a dll argument works too).</param>
    /// <param name="settings">The function's environment variables; Lambda's reserved ones (runtime API address,
    /// function name, version, memory size, and <c>AWS_REGION</c> unless given) are added and win.</param>
    /// <param name="runtimeApi">The Runtime API address to give it (one of the server's <see cref="LambdaRuntimeServer.DedicatedRuntimeApis"/>); null: the server's main one.</param>
    public static ExternalFunctionProcess Start(LambdaRuntimeServer server, string executable, IReadOnlyDictionary<string, string> settings, IEnumerable<string>? arguments = null, string? runtimeApi = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentException.ThrowIfNullOrWhiteSpace(executable);
        ArgumentNullException.ThrowIfNull(settings);
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(executable)) ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        start.Environment.TryAdd(LambdaRuntimeNames.RegionSetting, server.Function.Region);
        start.Environment[LambdaRuntimeNames.RuntimeApiSetting] = runtimeApi ?? server.RuntimeApi;
        start.Environment[LambdaRuntimeNames.FunctionNameSetting] = server.Function.FunctionName;
        start.Environment[LambdaRuntimeNames.FunctionVersionSetting] = "$LATEST";
        start.Environment[LambdaRuntimeNames.FunctionMemorySizeSetting] = server.Function.MemorySizeMb.ToString(CultureInfo.InvariantCulture);

        var process = new Process { StartInfo = start };
        var startedAt = Stopwatch.GetTimestamp();
        process.Start();
        var running = new ExternalFunctionProcess(process, server, startedAt);
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>
    /// Waits until the process asks the Runtime API for its first invocation and returns the time from just
    /// before the process was started to that request (within about a millisecond: the server's count of waiting
    /// runtimes is sampled). Assumes no other runtime is waiting on the server.
    /// </summary>
    public async Task<TimeSpan> WaitForFirstPollAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        while (_server.WaitingRuntimes == 0)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The function process exited with code {_process.ExitCode} before polling the Runtime API. Output:\n{Output}");
            }

            if (Stopwatch.GetElapsedTime(_startedAt) > timeout)
            {
                throw new TimeoutException($"The function process did not poll the Runtime API within {timeout.TotalSeconds:0.#} s. Output:\n{Output}");
            }

            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }

        return Stopwatch.GetElapsedTime(_startedAt);
    }

    /// <summary>Completes when the process has exited (for any reason); its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Sends the process SIGKILL (on Linux; <see cref="Process.Kill()"/> elsewhere) without waiting: a crash, not a shutdown.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    /// <summary>Kills the process (a function holds nothing that needs a clean shutdown) and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length > MaxKeptOutput)
            {
                _output.Remove(0, _output.Length / 2); // keep the newest half: the end explains a failure
            }

            _output.AppendLine(line);
        }
    }
}
