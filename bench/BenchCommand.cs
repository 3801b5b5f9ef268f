using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using AppSyncChat.Bench.Baselines;
using AppSyncChat.Bench.Hosting;
using AppSyncChat.Bench.Load;
using AppSyncChat.Bench.Metrics;
using AppSyncChat.Bench.Reporting;

namespace AppSyncChat.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench -- --mode quick|full [--out bench/results] [--strategies a,b] [--in-process]</c>.
/// Exit codes: 0 = done and every viewer ended with the stored text; 1 = mismatches (or turns that never ended);
/// 2 = bad arguments; 3 = the run itself failed (stack or Worker did not start, …).
/// </summary>
public static class BenchCommand
{
    public const int Ok = 0;
    public const int Mismatches = 1;
    public const int BadArguments = 2;
    public const int Failed = 3;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        string mode = "quick", outDirectory = Path.Combine("bench", "results");
        string? role = null, launch = null, strategies = null;
        var seed = 1;
        var inProcess = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            try
            {
                switch (args[i])
                {
                    case "--mode": mode = Next(); break;
                    case "--out": outDirectory = Next(); break;
                    case "--strategies": strategies = Next(); break;
                    case "--in-process": inProcess = true; break;
                    case "--role": role = Next(); break;
                    case "--launch": launch = Next(); break;
                    case "--seed": seed = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "-h" or "--help":
                        await output.WriteLineAsync(Help).ConfigureAwait(false);
                        return Ok;
                    default:
                        throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
            {
                await error.WriteLineAsync(ex.Message + "\n" + Help).ConfigureAwait(false);
                return BadArguments;
            }
        }

        if (role is not null)
        {
            return await ChildRole.RunAsync(role, launch, cancellationToken).ConfigureAwait(false);
        }

        var self = Environment.ProcessPath ?? "";
        var launcher = self.Contains("/bin/", StringComparison.Ordinal) || Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? "dotnet run -c Release --project bench --"
            : self;
        if (mode is "faults" or "faults-small")
        {
            var faults = mode == "faults" ? Faults.FaultPlan.Full(seed) : Faults.FaultPlan.Small(seed);
            return await Faults.FaultCommand.RunAsync(faults, string.Join(' ', [launcher, .. args]), outDirectory, output, error, cancellationToken).ConfigureAwait(false);
        }

        BenchPlan plan;
        switch (mode)
        {
            case "quick": plan = BenchPlan.Quick(); break;
            case "full": plan = BenchPlan.Full(); break;
            case "smoke": plan = BenchPlan.Smoke(); break;
            default:
                await error.WriteLineAsync($"--mode must be quick, full, smoke, faults or faults-small, not '{mode}'.").ConfigureAwait(false);
                return BadArguments;
        }

        if (inProcess)
        {
            plan = plan with { InProcess = true };
        }

        if (strategies is not null)
        {
            var list = strategies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var known = PublishStrategies.Names;
            if (list.Length == 0 || list.Any(s => !known.Contains(s)))
            {
                await error.WriteLineAsync($"--strategies takes a comma-separated list of {string.Join(", ", known)}.").ConfigureAwait(false);
                return BadArguments;
            }

            plan = plan with { Strategies = list };
        }

        var (report, exit) = await RunPlanAsync(plan, string.Join(' ', [launcher, .. args]), outDirectory, output, error, cancellationToken).ConfigureAwait(false);
        return report is null ? Failed : exit;
    }

    /// <summary>Runs the plan and writes &lt;run&gt;.json, &lt;run&gt;.md and the charts into <paramref name="outDirectory"/>.</summary>
    public static async Task<(BenchReport? Report, int Exit)> RunPlanAsync(BenchPlan plan, string command, string outDirectory, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var runId = $"{started:yyyyMMdd-HHmmss}-{plan.Mode}";
        var loadAtStart = LoadAverage();
        void Progress(string line) => output.WriteLine(FormattableString.Invariant($"[{clock.Elapsed.TotalSeconds,6:0.0}s] {line}"));

        List<WorkloadResult> results;
        List<WorkerStartup> startups;
        double stackStart;
        var runner = new BenchRunner(plan, Progress);
        try
        {
            results = await runner.RunAsync(cancellationToken).ConfigureAwait(false);
            startups = runner.WorkerStartups;
            stackStart = runner.StackStartMs;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"The benchmark failed: {ex}").ConfigureAwait(false);
            return (null, Failed);
        }
        finally
        {
            await runner.DisposeAsync().ConfigureAwait(false);
        }

        var notes = new List<string>();
        if (plan.InProcess)
        {
            notes.Add("In-process run: the stack, the Worker and the viewers shared one process, so CPU and memory figures are not separated.");
        }

        notes.Add(FormattableString.Invariant($"Worker hosted as Lambda by Local/Lambda: {plan.WorkerInstances} instances, SQS batches of {plan.BatchSize}; Api concurrency {plan.ApiConcurrency}."));
        var report = new BenchReport
        {
            RunId = runId,
            Mode = plan.Mode,
            Command = command,
            StartedAt = started,
            DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            Machine = new Dictionary<string, string>
            {
                ["processors"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
                ["os"] = RuntimeInformation.OSDescription,
                ["runtime"] = RuntimeInformation.FrameworkDescription,
                ["cpu"] = CpuModel(),
                ["loadAverageAtStart"] = loadAtStart,
                ["loadAverageAtEnd"] = LoadAverage(),
            },
            Settings = new Dictionary<string, string>
            {
                ["model"] = FormattableString.Invariant($"time to first token {plan.Pacing.TimeToFirstToken.TotalMilliseconds:0} ms, {plan.Pacing.TokensPerSecond} tokens/s, {plan.Pacing.AnswerTokens}-token answers"),
                ["strategies"] = string.Join(",", plan.Strategies),
                ["viewersPerConversation"] = plan.ViewersPerConversation.ToString(CultureInfo.InvariantCulture),
                ["workerInstances"] = plan.WorkerInstances.ToString(CultureInfo.InvariantCulture),
                ["inProcess"] = plan.InProcess ? "true" : "false",
            },
            StackStartMs = Math.Round(stackStart),
            WorkerStartups = startups,
            Results = results,
            TotalMismatches = results.Sum(r => r.Mismatches),
            TotalLivenessViolations = results.Sum(r => r.LivenessViolations),
            Notes = notes,
        };

        Directory.CreateDirectory(outDirectory);
        var jsonPath = Path.Combine(outDirectory, runId + ".json");
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, BenchJsonContext.Default.BenchReport), cancellationToken).ConfigureAwait(false);
        var charts = SvgCharts.Write(report, outDirectory, runId);
        var markdown = MarkdownReport.Render(report, charts);
        var mdPath = Path.Combine(outDirectory, runId + ".md");
        await File.WriteAllTextAsync(mdPath, markdown, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(markdown).ConfigureAwait(false);
        await output.WriteLineAsync($"Results: {jsonPath}, {mdPath}{string.Concat(charts.Select(c => ", " + c))}").ConfigureAwait(false);
        var wrong = report.TotalMismatches > 0 || results.Any(r => r.TurnsNotFinal > 0);
        if (wrong)
        {
            await error.WriteLineAsync($"FAILED: {report.TotalMismatches} viewer(s) ended with a text different from the stored text, or turns did not finish.").ConfigureAwait(false);
        }

        if (report.TotalLivenessViolations > 0)
        {
            await error.WriteLineAsync($"FAILED: in {report.TotalLivenessViolations} answer(s) a viewer's live text paused longer than {StreamLiveness.DefaultBound.TotalMilliseconds:0} ms while the model kept streaming.").ConfigureAwait(false);
        }

        var bad = wrong || report.TotalLivenessViolations > 0;

        return (report, bad ? Mismatches : Ok);
    }

    /// <summary>The 1/5/15-minute load averages: other work on the machine distorts every figure.</summary>
    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private const string Help = """
        AppSyncChat benchmark

          dotnet run -c Release --project bench -- --mode quick|full [--out bench/results] [--strategies coalesced,per-delta,sentence,final-only] [--in-process]

          --mode quick   chat at 1/10/100 conversations × 3 viewers, fan-out 1/10/100/500 viewers, cancel, memory probe;
                         baselines at 100 conversations (about 2 minutes on 2 cores)
          --mode full    adds 1,000 conversations and more baseline levels
          --mode smoke   seconds: a fast model, a few viewers, everything in one process (the CI check)
          --mode faults  the fault campaign (bench/Faults, docs/reliability.md): 300 turns under injected faults, the
                         Worker in its own processes (one killed with SIGKILL now and then), a 300-viewer reconnect
                         storm and a 50-conversation send burst; checks that every turn ends and nothing is lost
                         (about 2.5 minutes). --mode faults-small: the test command's 36-turn version. --seed N (default 1)
          --out DIR      where <run>.json, <run>.md and the SVG charts go (default bench/results)
          --in-process   run the stack and the Worker in this process (figures not separated)

        Exit codes: 0 ok, 1 a viewer's text differed from the stored text (or a turn never ended), 2 bad arguments, 3 the run failed.
        """;
}
