using System.Collections.Concurrent;

namespace AppSyncChat.Local.Bedrock;

/// <summary>One text token as the emulator flushed it.</summary>
public sealed record EmittedToken(int Index, string Text, DateTimeOffset EmittedAt);

/// <summary>What <c>GET /_emulator/requests/{requestId}</c> returns.</summary>
public sealed record EmulatorRequestInfo(
    string RequestId,
    string Operation,
    string ModelId,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? FirstTokenAt,
    DateTimeOffset? CompletedAt,
    string Outcome,
    string? StopReason,
    IReadOnlyList<EmittedToken> Tokens)
{
    /// <summary>The last user message text as the model saw it (directives stripped); null before it was parsed.</summary>
    public string? Prompt { get; init; }
}

/// <summary>One entry of <c>GET /_emulator/requests</c> (the ring, oldest first, without the tokens).</summary>
public sealed record EmulatorRequestSummary(
    string RequestId,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? FirstTokenAt,
    DateTimeOffset? CompletedAt,
    string Outcome,
    int TokenCount,
    string? Prompt);

/// <summary>A live record of one request; thread-safe (the stream writes, the endpoint reads).</summary>
internal sealed class RequestRecord(string requestId, string operation, string modelId, DateTimeOffset receivedAt)
{
    private readonly Lock _lock = new();
    private readonly List<EmittedToken> _tokens = [];
    private DateTimeOffset? _completedAt;
    private string _outcome = "running";
    private string? _stopReason;
    private string? _prompt;

    public string RequestId => requestId;

    /// <summary>Recorded once the request is parsed, so a caller (the benchmark) can find the request of a given prompt.</summary>
    public void SetPrompt(string prompt)
    {
        lock (_lock)
        {
            _prompt = prompt;
        }
    }

    public EmulatorRequestSummary Summary()
    {
        lock (_lock)
        {
            return new EmulatorRequestSummary(requestId, receivedAt, _tokens.Count > 0 ? _tokens[0].EmittedAt : null, _completedAt, _outcome, _tokens.Count, _prompt);
        }
    }

    public void Token(string text, DateTimeOffset at)
    {
        lock (_lock)
        {
            _tokens.Add(new EmittedToken(_tokens.Count, text, at));
        }
    }

    public void Complete(string outcome, string? stopReason, DateTimeOffset at)
    {
        lock (_lock)
        {
            if (_completedAt is null)
            {
                _outcome = outcome;
                _stopReason = stopReason;
                _completedAt = at;
            }
        }
    }

    public EmulatorRequestInfo Snapshot()
    {
        lock (_lock)
        {
            return new EmulatorRequestInfo(requestId, operation, modelId, receivedAt, _tokens.Count > 0 ? _tokens[0].EmittedAt : null, _completedAt, _outcome, _stopReason, [.. _tokens]) { Prompt = _prompt };
        }
    }
}

/// <summary>The most recent requests, bounded: the oldest is forgotten when the capacity is reached.</summary>
internal sealed class RequestLog(int capacity)
{
    private readonly ConcurrentDictionary<string, RequestRecord> _records = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public RequestRecord Start(string requestId, string operation, string modelId, DateTimeOffset receivedAt)
    {
        var record = new RequestRecord(requestId, operation, modelId, receivedAt);
        _records[requestId] = record;
        _order.Enqueue(requestId);
        while (_order.Count > capacity && _order.TryDequeue(out var oldest))
        {
            _records.TryRemove(oldest, out _);
        }

        return record;
    }

    public EmulatorRequestInfo? Find(string requestId) => _records.TryGetValue(requestId, out var record) ? record.Snapshot() : null;

    /// <summary>Summaries of the requests still in the ring, oldest first.</summary>
    public List<EmulatorRequestSummary> List()
    {
        var list = new List<EmulatorRequestSummary>();
        foreach (var id in _order)
        {
            if (_records.TryGetValue(id, out var record))
            {
                list.Add(record.Summary());
            }
        }

        return list;
    }
}
