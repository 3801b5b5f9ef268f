using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace AppSyncChat.Bench.Hosting;

/// <summary>A part of the system under test (the stack, or the Worker) that reports its own resource use.</summary>
public interface IBenchPart : IAsyncDisposable
{
    /// <summary>True when the part runs in its own process (its CPU and memory are its own).</summary>
    bool Separate { get; }

    /// <param name="fullCollection">Collect garbage first (a blocking full GC: only where a pause does not matter).</param>
    Task<PartStats> StatsAsync(bool fullCollection, CancellationToken cancellationToken);
}

/// <summary>Resource figures of the current process.</summary>
public static class ProcessStats
{
    public static PartStats Current(bool fullCollection)
    {
        var managed = GC.GetTotalMemory(fullCollection);
        using var process = Process.GetCurrentProcess();
        return new PartStats
        {
            ProcessId = Environment.ProcessId,
            CpuMs = process.TotalProcessorTime.TotalMilliseconds,
            ManagedBytes = managed,
            WorkingSetBytes = process.WorkingSet64,
            ThreadCount = process.Threads.Count,
            TieredJitCpuMs = ThreadCpuMs(".NET Tiered Com"),
        };
    }

    /// <summary>
    /// CPU of this process's threads whose name starts with <paramref name="namePrefix"/> (Linux /proc; 10 ms
    /// ticks), e.g. the runtime's background tier-1 compiler, which dominates a young process's CPU.
    /// </summary>
    public static double? ThreadCpuMs(string namePrefix)
    {
        try
        {
            double ticks = 0;
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                if (!name.StartsWith(namePrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += double.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + double.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            }

            return ticks * 10;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>CPU time of another process (e.g. the Node sidecar), or null when it is gone.</summary>
    public static double? CpuMsOf(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.TotalProcessorTime.TotalMilliseconds;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>
/// The child side: <c>AppSyncChat.Bench --role stack|worker</c>. Starts the part, writes
/// <c>BENCH READY &lt;json&gt;</c> on stdout, answers <c>stats</c> / <c>stats-gc</c> lines from stdin with
/// <c>BENCH STATS &lt;json&gt;</c>, and stops when stdin closes (so it never outlives the benchmark).
/// Everything else the part logs goes to a null writer: logs are not the subject here.
/// </summary>
public static class ChildRole
{
    public const string Prefix = "BENCH ";

    public static async Task<int> RunAsync(string role, string? launchJson, CancellationToken cancellationToken)
    {
        var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
        Console.SetOut(TextWriter.Null);
        try
        {
            if (role == "stack")
            {
                var pacing = ParsePacing(launchJson);
                await using var stack = await StackService.StartAsync(pacing.Pacing, pacing.ApiConcurrency, cancellationToken).ConfigureAwait(false);
                await stdout.WriteLineAsync(Prefix + "READY " + JsonSerializer.Serialize(stack.Info, HostingJsonContext.Default.StackInfo)).ConfigureAwait(false);
                await ServeAsync(stdout, full => ProcessStats.Current(full), cancellationToken).ConfigureAwait(false);
            }
            else if (role == "worker")
            {
                var launch = JsonSerializer.Deserialize(launchJson ?? "", HostingJsonContext.Default.WorkerLaunch)
                    ?? throw new ArgumentException("--launch must hold the WorkerLaunch JSON.");
                await using var worker = await WorkerService.StartAsync(launch, cancellationToken).ConfigureAwait(false);
                await stdout.WriteLineAsync(Prefix + "READY " + JsonSerializer.Serialize(WorkerStats(worker, false), HostingJsonContext.Default.PartStats)).ConfigureAwait(false);
                await ServeAsync(stdout, full => WorkerStats(worker, full), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Console.Error.WriteLineAsync($"Unknown --role '{role}' (stack or worker).").ConfigureAwait(false);
                return 2;
            }

            return 0;
        }
        catch (Exception ex)
        {
            await stdout.WriteLineAsync(Prefix + "FAILED " + ex.GetType().Name + ": " + ex.Message.ReplaceLineEndings(" ")).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            return 1;
        }
    }

    internal static PartStats WorkerStats(WorkerService worker, bool full) => ProcessStats.Current(full) with
    {
        EntryToFirstPollMs = worker.EntryToFirstPollMs,
        ProcessStartToFirstPollMs = worker.ProcessStartToFirstPollMs,
        Invocations = worker.Invocations,
        RecordsFailed = worker.RecordsFailed,
    };

    private static (ModelPacing Pacing, int ApiConcurrency) ParsePacing(string? text)
    {
        // "<ttft ms>,<tokens per second>,<answer tokens>,<api concurrency>"
        var parts = (text ?? "").Split(',');
        if (parts.Length != 4)
        {
            throw new ArgumentException("--launch for the stack is '<ttft ms>,<tokens/s>,<tokens>,<api concurrency>'.");
        }

        var c = System.Globalization.CultureInfo.InvariantCulture;
        return (new ModelPacing(TimeSpan.FromMilliseconds(double.Parse(parts[0], c)), double.Parse(parts[1], c), int.Parse(parts[2], c)), int.Parse(parts[3], c));
    }

    internal static string PacingArgument(ModelPacing pacing, int apiConcurrency) =>
        FormattableString.Invariant($"{pacing.TimeToFirstToken.TotalMilliseconds},{pacing.TokensPerSecond},{pacing.AnswerTokens},{apiConcurrency}");

    private static async Task ServeAsync(StreamWriter stdout, Func<bool, PartStats> stats, CancellationToken cancellationToken)
    {
        using var stdin = new StreamReader(Console.OpenStandardInput());
        while (await stdin.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            var command = line.Trim();
            if (command is "stats" or "stats-gc")
            {
                var s = stats(command == "stats-gc");
                await stdout.WriteLineAsync(Prefix + "STATS " + JsonSerializer.Serialize(s, HostingJsonContext.Default.PartStats)).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>The parent side of a child part: a process running this same program with <c>--role</c>.</summary>
public sealed class ChildPart : IBenchPart
{
    private readonly Process _process;
    private readonly Channel<string> _replies = Channel.CreateUnbounded<string>();
    private readonly SemaphoreSlim _request = new(1, 1);
    private readonly Task _reader;
    private readonly StringBuilder _log = new();

    private ChildPart(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadAsync);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (_log)
                {
                    if (_log.Length < 20_000)
                    {
                        _log.AppendLine(line);
                    }
                }
            }
        };
        process.BeginErrorReadLine();
    }

    public bool Separate => true;

    public int ProcessId => _process.Id;

    public string ReadyPayload { get; private set; } = "";

    public static async Task<ChildPart> StartAsync(string role, string launch, TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path to start a child process.");
        var assembly = typeof(ChildPart).Assembly.Location;
        if (Path.GetFileNameWithoutExtension(self) is "dotnet" or "testhost")
        {
            start.FileName = Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(assembly);
        }
        else
        {
            start.FileName = self;
        }

        start.ArgumentList.Add("--role");
        start.ArgumentList.Add(role);
        start.ArgumentList.Add("--launch");
        start.ArgumentList.Add(launch);
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["DOTNET_gcServer"] = "0";

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the {role} process.");
        var part = new ChildPart(process);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(readyTimeout);
            var line = await part._replies.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            if (!line.StartsWith("READY ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The {role} process failed to start: {line}\n{part.Log}");
            }

            part.ReadyPayload = line["READY ".Length..];
            return part;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await part.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"The {role} process was not ready within {readyTimeout.TotalSeconds:0} s.\n{part.Log}");
        }
        catch
        {
            await part.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task<PartStats> StatsAsync(bool fullCollection, CancellationToken cancellationToken)
    {
        await _request.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteLineAsync(fullCollection ? "stats-gc" : "stats").ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var line = await _replies.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            if (!line.StartsWith("STATS ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Unexpected reply from process {_process.Id}: {line}");
            }

            return JsonSerializer.Deserialize(line["STATS ".Length..], HostingJsonContext.Default.PartStats)
                ?? throw new InvalidOperationException("Empty stats reply.");
        }
        finally
        {
            _request.Release();
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.StartsWith(ChildRole.Prefix, StringComparison.Ordinal))
                {
                    _replies.Writer.TryWrite(line[ChildRole.Prefix.Length..]);
                }
            }
        }
        finally
        {
            _replies.Writer.TryWrite("EXITED (the process ended)");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // already gone
        }

        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        await _reader.ConfigureAwait(false);
        _process.Dispose();
        _request.Dispose();
    }
}

/// <summary>A part running inside the benchmark's own process (smoke test, <c>--in-process</c>): figures are not separated.</summary>
public sealed class InProcessPart(IAsyncDisposable service, Func<bool, PartStats> stats) : IBenchPart
{
    public bool Separate => false;

    public Task<PartStats> StatsAsync(bool fullCollection, CancellationToken cancellationToken) => Task.FromResult(stats(fullCollection));

    public ValueTask DisposeAsync() => service.DisposeAsync();
}
