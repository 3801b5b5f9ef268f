using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace AppSyncChat.Bench.Faults;

/// <summary>One invariant, checked over every case it applies to.</summary>
public sealed record InvariantResult(string Name, string Meaning, int Checked, IReadOnlyList<string> Violations)
{
    public bool Held => Violations.Count == 0;
}

/// <summary>A turn whose Worker process was killed (the targeted turn, or another record of the same batch).</summary>
/// <param name="RecoveryMs">Kill → the stored message final (taken over and finished).</param>
/// <param name="ViewersSawEndMs">Kill → the first of its viewers saw the end.</param>
public sealed record KilledTurn(string MessageId, bool Targeted, int ProcessId, double RecoveryMs, double ViewersSawEndMs, int StoredTurn, string Status);

public sealed record StormResult
{
    public int Viewers { get; init; }

    public int Dropped { get; init; }

    /// <summary>Reconnects the dropped viewers' clients reported (a snapshot after each).</summary>
    public int Reconnects { get; init; }

    public int Mismatches { get; init; }

    public int StayersChecked { get; init; }

    public int LivenessViolations { get; init; }

    public double LongestGapMs { get; init; }

    public double AnswerSeconds { get; init; }
}

public sealed record BurstResult
{
    public int Conversations { get; init; }

    public int Mismatches { get; init; }

    public int NotCompleted { get; init; }

    public int LivenessViolations { get; init; }

    /// <summary>All sent at once → the last answer final.</summary>
    public double AllFinalSeconds { get; init; }

    /// <summary>Send → first text at the sender's viewer.</summary>
    public double FirstTextP50Ms { get; init; }

    public double FirstTextMaxMs { get; init; }
}

/// <summary>Everything a campaign run found: the faults it injected, each invariant, recovery times, storm and burst.</summary>
public sealed record FaultReport
{
    public required string RunId { get; init; }

    public required string Command { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public double DurationSeconds { get; init; }

    public required Dictionary<string, string> Machine { get; init; }

    public required Dictionary<string, string> Settings { get; init; }

    public int Turns { get; init; }

    /// <summary>Faults injected, by kind (what actually happened, not the plan's rates).</summary>
    public required Dictionary<string, long> FaultsInjected { get; init; }

    /// <summary>How the turns ended, by stored status.</summary>
    public required Dictionary<string, int> Outcomes { get; init; }

    public required List<InvariantResult> Invariants { get; init; }

    public required List<KilledTurn> Kills { get; init; }

    /// <summary>Kill → turn final must stay within V + F: the record reappears at most V after its receive, and the takeover's invocation ends the turn within F.</summary>
    public double RecoveryBoundMs { get; init; }

    public StormResult? Storm { get; init; }

    public BurstResult? Burst { get; init; }

    public List<string> Notes { get; init; } = [];

    [JsonIgnore]
    public bool Passed => Invariants.All(i => i.Held);

    public string RenderMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# Fault campaign {RunId}");
        md.AppendLine();
        md.AppendLine(c, $"`{Command}` — {(Passed ? "every invariant held" : "**INVARIANTS FAILED**")}, {Turns} turns, {DurationSeconds:0} s, load average {Machine.GetValueOrDefault("loadAverageAtStart")} at the start, {Machine.GetValueOrDefault("loadAverageAtEnd")} at the end ({Machine.GetValueOrDefault("processors")} cores).");
        md.AppendLine();
        md.AppendLine("## Settings");
        md.AppendLine();
        foreach (var (name, value) in Settings)
        {
            md.AppendLine(c, $"- {name}: {value}");
        }

        md.AppendLine();
        md.AppendLine("## Faults injected");
        md.AppendLine();
        md.AppendLine("| fault | count |");
        md.AppendLine("|---|---:|");
        foreach (var (name, count) in FaultsInjected)
        {
            md.AppendLine(c, $"| {name} | {count} |");
        }

        md.AppendLine();
        md.AppendLine(c, $"Outcomes: {string.Join(", ", Outcomes.Select(o => $"{o.Value} {o.Key}"))}.");
        md.AppendLine();
        md.AppendLine("## Invariants");
        md.AppendLine();
        md.AppendLine("| invariant | checked | held | what it means |");
        md.AppendLine("|---|---:|---|---|");
        foreach (var invariant in Invariants)
        {
            md.AppendLine(c, $"| {invariant.Name} | {invariant.Checked} | {(invariant.Held ? "yes" : $"**no ({invariant.Violations.Count})**")} | {invariant.Meaning} |");
        }

        foreach (var invariant in Invariants.Where(i => !i.Held))
        {
            md.AppendLine();
            md.AppendLine(c, $"Violations of {invariant.Name}:");
            foreach (var violation in invariant.Violations.Take(20))
            {
                md.AppendLine(c, $"- {violation}");
            }
        }

        md.AppendLine();
        md.AppendLine("## Killed turns (SIGKILL of the Worker process mid-answer)");
        md.AppendLine();
        if (Kills.Count == 0)
        {
            md.AppendLine("None.");
        }
        else
        {
            var recoveries = Kills.Select(k => k.RecoveryMs).Order().ToList();
            md.AppendLine(c, $"{Kills.Count(k => k.Targeted)} kill(s), {Kills.Count} turn(s) interrupted (the other records of the killed batch die with it). Recovery, kill → turn final: max {recoveries[^1] / 1000:0.0} s, p50 {recoveries[recoveries.Count / 2] / 1000:0.0} s; bound V + F = {RecoveryBoundMs / 1000:0} s.");
            md.AppendLine();
            md.AppendLine("| message | targeted | process | recovery (stored final) | a viewer saw the end | stored turn | status |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---|");
            foreach (var kill in Kills)
            {
                md.AppendLine(c, $"| {kill.MessageId} | {(kill.Targeted ? "yes" : "same batch")} | {kill.ProcessId} | {kill.RecoveryMs / 1000:0.0} s | {kill.ViewersSawEndMs / 1000:0.0} s | {kill.StoredTurn} | {kill.Status} |");
            }
        }

        if (Storm is { } storm)
        {
            md.AppendLine();
            md.AppendLine("## Reconnect storm");
            md.AppendLine();
            md.AppendLine(c, $"{storm.Viewers} viewers of one {storm.AnswerSeconds:0.0} s answer; {storm.Dropped} dropped mid-stream and rejoined ({storm.Reconnects} reconnects): {storm.Mismatches} ended with a text other than the stored one. The {storm.StayersChecked} that stayed: {storm.LivenessViolations} over the liveness bound, longest gap {storm.LongestGapMs:0} ms.");
        }

        if (Burst is { } burst)
        {
            md.AppendLine();
            md.AppendLine("## Send burst");
            md.AppendLine();
            md.AppendLine(c, $"{burst.Conversations} conversations sent at the same moment: all final after {burst.AllFinalSeconds:0.0} s; {burst.Mismatches} mismatches, {burst.NotCompleted} not completed, {burst.LivenessViolations} over the liveness bound; send → first text p50 {burst.FirstTextP50Ms:0} ms, max {burst.FirstTextMaxMs:0} ms.");
        }

        if (Notes.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Notes");
            md.AppendLine();
            foreach (var note in Notes)
            {
                md.AppendLine(c, $"- {note}");
            }
        }

        return md.ToString();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(FaultReport))]
internal sealed partial class FaultJsonContext : JsonSerializerContext;
