using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace AppSyncChat.Bench.Faults;

/// <summary>
/// <c>--mode faults</c> (the full campaign) and <c>--mode faults-small</c> (the test command's size): runs the
/// campaign, writes <c>&lt;run&gt;.json</c> and <c>&lt;run&gt;.md</c>, prints the report. Exit 0 when every
/// invariant held, 1 when one failed, 3 when the run itself failed.
/// </summary>
public static class FaultCommand
{
    public static async Task<int> RunAsync(FaultPlan plan, string command, string outDirectory, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var clock = Stopwatch.StartNew();
        void Progress(string line) => output.WriteLine(FormattableString.Invariant($"[{clock.Elapsed.TotalSeconds,6:0.0}s] {line}"));
        FaultReport report;
        var campaign = new FaultCampaign(plan, Progress);
        var console = Console.Out;
        Console.SetOut(TextWriter.Null); // the in-process Api logs every request to stdout: not the subject here
        try
        {
            report = await campaign.RunAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"The fault campaign failed to run: {ex}").ConfigureAwait(false);
            return BenchCommand.Failed;
        }
        finally
        {
            await campaign.DisposeAsync().ConfigureAwait(false);
            Console.SetOut(console);
        }

        Directory.CreateDirectory(outDirectory);
        var json = Path.Combine(outDirectory, report.RunId + ".json");
        var md = Path.Combine(outDirectory, report.RunId + ".md");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, FaultJsonContext.Default.FaultReport), cancellationToken).ConfigureAwait(false);
        var markdown = report.RenderMarkdown();
        await File.WriteAllTextAsync(md, markdown, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(markdown).ConfigureAwait(false);
        await output.WriteLineAsync($"Results: {json}, {md}").ConfigureAwait(false);
        if (!report.Passed)
        {
            var logs = Path.Combine(outDirectory, report.RunId + "-worker-logs.txt");
            await File.WriteAllTextAsync(logs, campaign.WorkerLogTail, cancellationToken).ConfigureAwait(false);
            await error.WriteLineAsync($"The Worker processes' logs: {logs}").ConfigureAwait(false);
            var failed = string.Join(", ", report.Invariants.Where(i => !i.Held).Select(i => i.Name));
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"FAILED: {failed}. Re-run with --seed {plan.Seed}.")).ConfigureAwait(false);
            return BenchCommand.Mismatches;
        }

        return BenchCommand.Ok;
    }
}
