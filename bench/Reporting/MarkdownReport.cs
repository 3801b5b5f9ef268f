using System.Globalization;
using System.Text;
using AppSyncChat.Bench.Metrics;

namespace AppSyncChat.Bench.Reporting;

/// <summary>The human summary of a run: the figures per workload, and the benchmark's targets with met / missed.</summary>
public static class MarkdownReport
{
    public static string Render(BenchReport report, IReadOnlyList<string> charts)
    {
        var md = new StringBuilder();
        Line(md, $"# Benchmark run {report.RunId} ({report.Mode})");
        Line(md, "");
        Line(md, $"`{report.Command}` — {report.StartedAt:yyyy-MM-dd HH:mm} UTC, {report.DurationSeconds:0} s, {report.Machine["processors"]} cores, {report.Machine["os"]}.");
        Line(md, $"Model: {report.Settings["model"]}. Local stack start {report.StackStartMs:0} ms. Load average (1/5/15 min) at start {report.Machine["loadAverageAtStart"]}, at end {report.Machine["loadAverageAtEnd"]} — other processes on this shared machine compete for the same cores.");
        Line(md, "");
        Line(md, "## Results");
        Line(md, "");
        Line(md, "| strategy | workload | conv. | viewers/conv. | added first token p50 / p99 (ms) | char lag p50 / p99 (ms) | request→first text overhead p50 / p99 (ms) | events / answer | publishes / answer | AppSync ops / answer | Worker CPU ms / 1k tokens (without background JIT) | mismatches |");
        Line(md, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in report.Results)
        {
            Line(md, $"| {r.Strategy} | {r.Workload} | {r.Conversations} | {r.ViewersPerConversation} | {r.AddedFirstTokenMs.P50:0.0} / {r.AddedFirstTokenMs.P99:0.0} | {r.CharLagMs.P50:0.0} / {r.CharLagMs.P99:0.0} | {r.RequestToFirstTextOverheadMs.P50:0.0} / {r.RequestToFirstTextOverheadMs.P99:0.0} | {r.InboundEventsPerAnswer:0.#} | {r.PublishRequestsPerAnswer:0.#} | {r.OperationsPerAnswer:0.#} | {r.WorkerCpuMsPer1000Tokens:0.#} ({r.WorkerCpuMsPer1000TokensExcludingJit:0.#}) | {r.Mismatches} |");
        }

        Line(md, "");
        Line(md, $"Liveness: the gaps between consecutive text events at a viewer while the model kept streaming (a gap starts at the previous text event or when the model emitted the new text, whichever is later). Bound {StreamLiveness.DefaultBound.TotalMilliseconds:0} ms per answer (one coalescing window + one publish + a margin); passing it fails the run for the production strategy.");
        Line(md, "");
        Line(md, "| strategy | workload | conv. × viewers | gap p50 / p99 (ms) | longest gap per answer p50 / p99 / max (ms) | answers over the bound |");
        Line(md, "|---|---|---|---:|---:|---:|");
        foreach (var r in report.Results)
        {
            Line(md, $"| {r.Strategy} | {r.Workload} | {r.Conversations} × {r.ViewersPerConversation} | {r.InterDeltaGapMs.P50:0} / {r.InterDeltaGapMs.P99:0} | {r.MaxGapPerAnswerMs.P50:0} / {r.MaxGapPerAnswerMs.P99:0} / {r.MaxGapPerAnswerMs.Max:0} | {r.LivenessViolations} |");
        }

        Line(md, "");
        Line(md, "CPU over each run (ms of CPU time; capacity = wall time × cores):");
        Line(md, "");
        Line(md, "| strategy | workload | conv. × viewers | wall (ms) | Worker (of which background JIT) | stack (Api, Events + Bedrock emulators) | Node sidecar (DynamoDB, SQS, GraphQL) | load generator | capacity | model tokens | peak answers at once |");
        Line(md, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in report.Results)
        {
            Line(md, $"| {r.Strategy} | {r.Workload} | {r.Conversations} × {r.ViewersPerConversation} | {r.DurationMs:0} | {r.WorkerCpuMs:0} ({r.WorkerTieredJitCpuMs:0}) | {r.StackCpuMs:0} | {r.SidecarCpuMs:0} | {r.LoadGeneratorCpuMs:0} | {r.WallCpuCapacityMs:0} | {r.ModelTokens} | {r.PeakConcurrentAnswers} |");
        }

        Line(md, "");
        Line(md, "Where the request-to-first-text time goes (p50 / p99, ms): sendMessage round trip (for new-conv: createConversation + subscribe + sendMessage, as the client library does them); sendMessage answered → the Worker's model request; the model's own time to first token; first token → first text at a viewer:");
        Line(md, "");
        Line(md, "| strategy | workload | conv. × viewers | sends spread over (ms) | sendMessage | accepted → turn.started at viewer | accepted → model request | model TTFT | first token → viewer |");
        Line(md, "|---|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in report.Results)
        {
            Line(md, $"| {r.Strategy} | {r.Workload} | {r.Conversations} × {r.ViewersPerConversation} | {r.SendRampMs:0} | {r.SendMessageMs.P50:0} / {r.SendMessageMs.P99:0} | {r.AcceptedToTurnStartedMs.P50:0} / {r.AcceptedToTurnStartedMs.P99:0} | {r.AcceptedToModelRequestMs.P50:0} / {r.AcceptedToModelRequestMs.P99:0} | {r.ModelTimeToFirstTokenMs.P50:0} / {r.ModelTimeToFirstTokenMs.P99:0} | {r.AddedFirstTokenMs.P50:0.0} / {r.AddedFirstTokenMs.P99:0.0} |");
        }

        if (report.Results.FirstOrDefault(r => r.Workload == "cancel") is { } cancel)
        {
            Line(md, "");
            Line(md, $"Cancel ({cancel.Conversations} conversations × {cancel.ViewersPerConversation} viewers): stopGeneration → last text event p50 {cancel.CancelToLastTextMs.P50:0} ms, p99 {cancel.CancelToLastTextMs.P99:0} ms, max {cancel.CancelToLastTextMs.Max:0} ms; → turn.cancelled p50 {cancel.CancelToTerminalMs.P50:0} ms, p99 {cancel.CancelToTerminalMs.P99:0} ms. Split: the stopGeneration round trip p50 {cancel.StopGenerationCallMs.P50:0} ms, p99 {cancel.StopGenerationCallMs.P99:0} ms; answered → last text event p50 {cancel.StopAcceptedToLastTextMs.P50:0} ms, p99 {cancel.StopAcceptedToLastTextMs.P99:0} ms.");
        }

        if (report.Results.FirstOrDefault(r => r.Workload == "memory") is { } memory)
        {
            Line(md, "");
            Line(md, $"Memory ({memory.Conversations} conversations sent, {memory.ActiveAnswersAtMemorySample} answers streaming when the Worker was sampled mid-answer after a full GC): managed heap {Kb(memory.WorkerManagedBytesPerConversation)} KB per conversation, working set {Kb(memory.WorkerWorkingSetBytesPerConversation)} KB per conversation.");
        }

        if (report.WorkerStartups.Count > 0)
        {
            Line(md, "");
            Line(md, "Worker start-up to first poll (Runtime API `GET /next`): " + string.Join(", ", report.WorkerStartups.Select(s =>
                FormattableString.Invariant($"{s.Strategy} {s.EntryToFirstPollMs:0.0} ms from the entry call") + (s.ProcessStartToFirstPollMs is { } p ? FormattableString.Invariant($" ({p:0} ms from process start)") : ""))) + ".");
            Line(md, "");
            Line(md, "Idle Worker CPU after the warm-up (ms per second, of which background tier-1 JIT): " + string.Join(", ", report.WorkerStartups.Select(s => FormattableString.Invariant($"{s.Strategy} {s.IdleCpuMsPerSecond:0.#} ({s.IdleJitCpuMsPerSecond:0.#})"))) + ".");
        }

        Line(md, "");
        Line(md, "## Targets");
        Line(md, "");
        Line(md, "| metric | target | measured | |");
        Line(md, "|---|---|---|---|");
        foreach (var (metric, target, measured, met) in Targets(report))
        {
            Line(md, $"| {metric} | {target} | {measured} | {(met is null ? "n/a" : met.Value ? "met" : "**missed**")} |");
        }

        if (charts.Count > 0)
        {
            Line(md, "");
            Line(md, "## Charts");
            Line(md, "");
            foreach (var chart in charts)
            {
                Line(md, $"![{Path.GetFileNameWithoutExtension(chart)}]({Path.GetFileName(chart)})");
            }
        }

        var notes = report.Notes.Concat(report.Results.SelectMany(r => r.Notes.Select(n => $"{r.Strategy}/{r.Workload}/{r.Conversations}×{r.ViewersPerConversation}: {n}"))).ToList();
        if (notes.Count > 0)
        {
            Line(md, "");
            Line(md, "## Notes");
            Line(md, "");
            foreach (var note in notes)
            {
                Line(md, "- " + note);
            }
        }

        Line(md, "");
        Line(md, $"Total mismatches: **{report.TotalMismatches}**. Total liveness violations: **{report.TotalLivenessViolations}**.");
        return md.ToString();
    }

    /// <summary>the benchmark's targets against this run (chat workload at 100 conversations unless noted).</summary>
    public static List<(string Metric, string Target, string Measured, bool? Met)> Targets(BenchReport report)
    {
        var list = new List<(string, string, string, bool?)>();
        var ours = report.Results.FirstOrDefault(r => r.Strategy == "coalesced" && r.Workload == "chat" && r.Conversations == 100)
            ?? report.Results.Where(r => r.Strategy == "coalesced" && r.Workload == "chat").MaxBy(r => r.Conversations);
        if (ours is null)
        {
            return list;
        }

        var at = $" ({ours.Conversations} conv.)";
        var sentence = report.Results.FirstOrDefault(r => r.Strategy == "sentence" && r.Workload == "chat" && r.Conversations == ours.Conversations);
        var perDelta = report.Results.FirstOrDefault(r => r.Strategy == "per-delta" && r.Workload == "chat" && r.Conversations == ours.Conversations);
        list.Add(("added first-token latency" + at, "p50 ≤ 5 ms, p99 ≤ 25 ms", F($"p50 {ours.AddedFirstTokenMs.P50:0.0} ms, p99 {ours.AddedFirstTokenMs.P99:0.0} ms"), ours.AddedFirstTokenMs.P50 <= 5 && ours.AddedFirstTokenMs.P99 <= 25));
        list.Add(("delivery lag p99" + at, "≤ window (100 ms) + 30 ms", F($"p99 {ours.CharLagMs.P99:0.0} ms"), ours.CharLagMs.P99 <= 130));
        list.Add(("delivery lag p50 vs sentence baseline" + at, "below", sentence is null ? "no baseline in this run" : F($"{ours.CharLagMs.P50:0.0} ms vs {sentence.CharLagMs.P50:0.0} ms"), sentence is null ? null : ours.CharLagMs.P50 < sentence.CharLagMs.P50));
        list.Add(("events per answer vs per-delta" + at, "≤ 1/8", perDelta is null ? "no baseline in this run" : F($"{ours.InboundEventsPerAnswer:0.#} vs {perDelta.InboundEventsPerAnswer:0.#} (1/{perDelta.InboundEventsPerAnswer / Math.Max(0.01, ours.InboundEventsPerAnswer):0.#})"), perDelta is null ? null : ours.InboundEventsPerAnswer * 8 <= perDelta.InboundEventsPerAnswer));
        list.Add(("request-to-first-text overhead" + at, "p50 ≤ 30 ms", F($"p50 {ours.RequestToFirstTextOverheadMs.P50:0.0} ms"), ours.RequestToFirstTextOverheadMs.P50 <= 30));
        var scale = report.Results.FirstOrDefault(r => r.Strategy == "coalesced" && r.Workload == "chat" && r.Conversations == 1000);
        list.Add(("scale: 1,000 conversations", "lag p99 ≤ 150 ms, 0 mismatches", scale is null ? "not run (full mode only)" : F($"lag p99 {scale.CharLagMs.P99:0.0} ms, {scale.Mismatches} mismatches"), scale is null ? null : scale.CharLagMs.P99 <= 150 && scale.Mismatches == 0));
        var memory = report.Results.FirstOrDefault(r => r.Workload == "memory");
        list.Add(("memory per active conversation", "≤ 64 KB", memory?.WorkerManagedBytesPerConversation is { } m ? F($"{m / 1024:0.0} KB managed ({memory.ActiveAnswersAtMemorySample} answers streaming)") : "not measured", memory?.WorkerManagedBytesPerConversation is { } mm ? mm <= 64 * 1024 : null));
        var cancel = report.Results.FirstOrDefault(r => r.Workload == "cancel");
        list.Add(("cancel: mutation → last text event", "p99 ≤ 300 ms", cancel is null ? "not run" : F($"p99 {cancel.CancelToLastTextMs.P99:0} ms"), cancel is null ? null : cancel.CancelToLastTextMs.P99 <= 300));
        var startup = report.WorkerStartups.FirstOrDefault();
        list.Add(("Worker start-up to first poll", "≤ 200 ms", startup is null ? "not measured" : F($"{startup.EntryToFirstPollMs:0.0} ms from the entry call") + (startup.ProcessStartToFirstPollMs is { } p ? F($", {p:0} ms from process start") : ""), startup is null ? null : startup.EntryToFirstPollMs <= 200));
        list.Add(("correctness", "0 mismatches in every run", F($"{report.TotalMismatches}"), report.TotalMismatches == 0));
        list.Add(("liveness", F($"no live text paused > {StreamLiveness.DefaultBound.TotalMilliseconds:0} ms while the model streamed"), F($"{report.TotalLivenessViolations} answers over; longest gap {report.Results.Where(r => r.Strategy == "coalesced").Select(r => r.MaxGapPerAnswerMs.Max).DefaultIfEmpty().Max():0} ms"), report.TotalLivenessViolations == 0));
        return list;
    }

    private static string Kb(double? bytes) => bytes is { } b ? (b / 1024).ToString("0.0", CultureInfo.InvariantCulture) : "n/a";

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Line(StringBuilder md, FormattableString text) => md.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void Line(StringBuilder md, string text) => md.Append(text).Append('\n');
}
