using AppSyncChat.Bench.Metrics;
using AppSyncChat.Contracts.Conversations;

namespace AppSyncChat.Bench.Faults;

/// <summary>The campaign's invariants, checked after the run over everything it recorded.</summary>
internal static class FaultChecks
{
    internal sealed record Input(
        IReadOnlyList<CampaignTurn> Turns,
        IReadOnlyList<CampaignTurn> StormTurns,
        IReadOnlyList<CampaignTurn> BurstTurns,
        IReadOnlyList<string> PoisonBodies,
        IReadOnlyList<string> DeadLetterBodies,
        bool QueueDrained,
        IReadOnlyList<string> BusyConversations,
        TimeSpan LivenessBound,
        TimeSpan RecoveryBound,
        int ModelMaxAttempts);

    public static List<InvariantResult> Evaluate(Input input)
    {
        var all = input.Turns.Concat(input.StormTurns).Concat(input.BurstTurns).ToList();
        return
        [
            Check("every turn final", "each turn's message is stored COMPLETED, FAILED, INTERRUPTED or CANCELLED — none left QUEUED or STREAMING — and every viewer saw it end", all, t =>
                t.Error is { } error ? $"{t.Label}: {error}"
                : t.Stored is null ? $"{t.Label}: no stored message"
                : MessageStatus.IsFinal(t.Stored.Status) ? null
                : $"{t.Label}: stored {t.Stored.Status}"),

            Check("every viewer has the stored text", "each viewer's final text (the client catch-up's verified text) equals the stored text, byte for byte, and its final status the stored status", all.SelectMany(t => t.Viewers.Select((v, i) => (t, v, i))).ToList(), x =>
                x.v.Trace is not { } trace ? $"{x.t.Label} viewer {x.i}: no trace"
                : trace.TerminalStatus is null ? $"{x.t.Label} viewer {x.i}: never saw the end"
                : trace.Text != x.t.Stored?.Text ? $"{x.t.Label} viewer {x.i}: {trace.Text.Length} characters, stored {x.t.Stored?.Text.Length}"
                : trace.TerminalStatus != x.t.Stored?.Status ? $"{x.t.Label} viewer {x.i}: ended {trace.TerminalStatus}, stored {x.t.Stored?.Status}"
                : null),

            Check("no second generation without a takeover", "the model was streamed at most once per attempt of a turn (the stored turn number counts the attempts; only a takeover of an expired lease adds one), and throttled at most the Worker's attempts per attempt — a duplicate delivery never started a second answer", all, t =>
            {
                var attempts = Math.Max(1, t.Stored?.Turn ?? 1);
                var streamed = t.ModelRequests.Count(r => r.Streamed);
                var refused = t.ModelRequests.Count - streamed;
                return streamed > attempts ? $"{t.Label}: {streamed} model streams for {attempts} attempt(s)"
                    : refused > input.ModelMaxAttempts * attempts ? $"{t.Label}: {refused} throttled calls for {attempts} attempt(s)"
                    : attempts > 1 && !t.Killed ? $"{t.Label}: taken over (turn {attempts}) although its Worker was not killed"
                    : null;
            }),

            Check("completed answers are whole", "a COMPLETED message's stored text is exactly what the model streamed in its last attempt", all.Where(t => t.Stored?.Status == MessageStatus.Completed).ToList(), t =>
                t.StreamedModel is not { } model ? $"{t.Label}: no model request found"
                : model.Text == t.Stored!.Text ? null
                : $"{t.Label}: stored {t.Stored.Text.Length} characters, the model streamed {model.Text.Length}"),

            Check("failures announced, partial text kept", "a FAILED or INTERRUPTED turn reached every viewer as that status (turn.failed, or the snapshot), and an INTERRUPTED one kept the text the model had produced (non-empty, a prefix of the model's answer)", all.Where(t => t.Stored?.Status is MessageStatus.Failed or MessageStatus.Interrupted).ToList(), t =>
            {
                var stored = t.Stored!;
                if (t.Viewers.FirstOrDefault(v => v.Trace?.TerminalStatus != stored.Status) is { } silent)
                {
                    return $"{t.Label}: a viewer ended {silent.Trace?.TerminalStatus ?? "without an end"}, stored {stored.Status}";
                }

                if (stored.Error is null)
                {
                    return $"{t.Label}: {stored.Status} without an error";
                }

                return stored.Status != MessageStatus.Interrupted ? null
                    : stored.Text.Length == 0 ? $"{t.Label}: INTERRUPTED with no text"
                    : t.StreamedModel?.Text.StartsWith(stored.Text, StringComparison.Ordinal) != true ? $"{t.Label}: the kept text is not what the model produced"
                    : null;
            }),

            Check("each turn ends as its fault predicts", "model throttled before the stream → FAILED; mid-stream error or stall → INTERRUPTED; no model fault, or a killed Worker (taken over) → COMPLETED", input.Turns, t =>
            {
                var expected = t.Plan.Model switch
                {
                    ModelFault.Throttle => MessageStatus.Failed,
                    ModelFault.StreamError or ModelFault.Stall => MessageStatus.Interrupted,
                    _ => MessageStatus.Completed,
                };
                return t.Stored?.Status == expected ? null : $"{t.Label} ({t.Plan.Model}): {t.Stored?.Status ?? "not stored"} {t.Stored?.Error?.Code}, expected {expected}";
            }),

            Check("killed turns recover within V + F", $"a turn whose Worker was killed is taken over and final within the queue's visibility timeout plus the Worker timeout ({input.RecoveryBound.TotalSeconds:0} s) of the kill", all.Where(t => t.Killed).ToList(), t =>
                t.StoredFinalAt is not { } final || t.Stored?.Status is not { } status || !MessageStatus.IsFinal(status) ? $"{t.Label}: not final"
                : final - t.KilledAt!.Value > input.RecoveryBound ? $"{t.Label}: stored final {(final - t.KilledAt.Value).TotalSeconds:0.0} s after the kill"
                : null),

            Check("the DLQ holds exactly the poison messages", "after the queue drained, the dead-letter queue holds each poison message once and nothing else (no turn's record was given up)", [input], i =>
            {
                var expected = i.PoisonBodies.Order(StringComparer.Ordinal).ToList();
                var actual = i.DeadLetterBodies.Order(StringComparer.Ordinal).ToList();
                return expected.SequenceEqual(actual) ? null
                    : $"expected {expected.Count} poison message(s), the DLQ holds {actual.Count}: {string.Join(" | ", actual.Select(b => b.Length > 80 ? b[..80] + "…" : b))}";
            }),

            Check("the queue drained", "every turn record, redelivery and duplicate was acknowledged (the queue is empty) within 3 V + F of the last turn", [input], i => i.QueueDrained ? null : "messages were still in the turn queue"),

            Check("every conversation free", "no conversation still points at an active message when everything has ended (a finish whose second write failed is repaired by the redelivered record)", [input], i =>
                i.BusyConversations.Count == 0 ? null : $"{i.BusyConversations.Count} busy: {string.Join(", ", i.BusyConversations.Take(5))}"),

            Check("no live stream frozen", $"for every viewer that stayed connected to an answer whose Worker was not killed, text kept flowing: no gap between updates longer than {input.LivenessBound.TotalMilliseconds:0} ms while the model kept producing (gaps counted from the model's emission times)", all.Where(t => !t.Killed).SelectMany(t => t.Viewers.Where(v => !v.Dropped).Select(v => (t, v))).ToList(), x =>
                x.t.StreamedModel is not { } model || x.v.Trace is not { } trace ? null
                : StreamLiveness.MaxGapMs(trace.Pieces, model) is { } gap && gap > input.LivenessBound.TotalMilliseconds ? $"{x.t.Label}: a gap of {gap:0} ms"
                : null),
        ];
    }

    private static InvariantResult Check<T>(string name, string meaning, IReadOnlyList<T> cases, Func<T, string?> violation) =>
        new(name, meaning, cases.Count, [.. cases.Select(violation).OfType<string>()]);
}
