using AppSyncChat.Bench.Load;
using AppSyncChat.Bench.Metrics;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.GraphQL;

namespace AppSyncChat.Bench.Faults;

/// <summary>One viewer of one campaign turn: the client library's catch-up, optionally behind a proxy the campaign cuts.</summary>
internal sealed class CampaignViewer(Viewer viewer, TcpDropProxy? proxy)
{
    public Viewer Viewer { get; } = viewer;

    public TcpDropProxy? Proxy { get; } = proxy;

    /// <summary>True once its connection was cut mid-stream (its liveness is not judged: it was offline by design).</summary>
    public bool Dropped { get; set; }

    public ViewerTrace? Trace { get; set; }

    public bool SawText(string messageId) => Viewer.Updates().Any(u => u.Update is TextAppended t && t.MessageId == messageId && t.Text.Length > 0);
}

/// <summary>What happened to one turn of the campaign: its plan, ids, viewers, faults applied and the stored result.</summary>
internal sealed class CampaignTurn(string label, string marker, PlannedTurn plan)
{
    public string Label { get; } = label;

    /// <summary>A word of the prompt naming this turn (finds its model requests in the Bedrock emulator's log).</summary>
    public string Marker { get; } = marker;

    public PlannedTurn Plan { get; } = plan;

    public string ConversationId { get; set; } = "";

    public string? MessageId { get; set; }

    public string? UserMessageId { get; set; }

    public List<CampaignViewer> Viewers { get; } = [];

    public DateTimeOffset SentAt { get; set; }

    /// <summary>When its Worker process was killed (the turn targeted, or another record of the same batch).</summary>
    public DateTimeOffset? KilledAt { get; set; }

    public bool KillTargeted { get; set; }

    public int KilledProcessId { get; set; }

    /// <summary>A kill was planned but the turn ended before the process could be found running it.</summary>
    public bool KillMissed { get; set; }

    public bool DuplicateSent { get; set; }

    /// <summary>When the turn was first seen final by one of its viewers (a terminal update).</summary>
    public DateTimeOffset? FinalSeenAt { get; set; }

    /// <summary>Killed turns: when the stored message was first seen final (polled from the kill on).</summary>
    public DateTimeOffset? StoredFinalAt { get; set; }

    public Message? Stored { get; set; }

    public string? Error { get; set; }

    /// <summary>The model requests made for this turn (by marker), oldest first.</summary>
    public List<ModelRequest> ModelRequests { get; } = [];

    /// <summary>The last request that streamed (not throttled), with its token times.</summary>
    public ModelTurn? StreamedModel { get; set; }

    public bool Killed => KilledAt is not null;
}

/// <summary>One entry of the Bedrock emulator's request log.</summary>
internal sealed record ModelRequest(string RequestId, string Prompt, string Outcome)
{
    /// <summary>Refused before any stream (throttled, invalid): no answer was generated.</summary>
    public bool Streamed => Outcome is not ("ThrottlingException" or "ValidationException");
}
