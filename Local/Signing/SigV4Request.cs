namespace AppSyncChat.Local.Signing;

/// <summary>
/// A request as it arrived on the wire, in the form SigV4 verification needs: the method, the raw
/// (still percent-encoded) path and query exactly as the client sent them, the headers (names are
/// case-insensitive; repeated headers already joined with <c>,</c>), and the body bytes.
/// </summary>
/// <remarks>
/// The AppSync Events WebSocket carries its signed header set inside a JSON object rather than as HTTP
/// headers; its emulator builds one of these from that object, the <c>POST /event</c> path and the body
/// the client signed.
/// </remarks>
public sealed record SigV4Request
{
    public SigV4Request(string method, string rawTarget, IReadOnlyDictionary<string, string> headers, ReadOnlyMemory<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(rawTarget);
        ArgumentNullException.ThrowIfNull(headers);
        Method = method;
        RawTarget = rawTarget;
        Headers = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
        Body = body;
    }

    /// <summary>The HTTP method, e.g. <c>POST</c>.</summary>
    public string Method { get; }

    /// <summary>The request target as sent (path plus optional <c>?query</c>), still percent-encoded.</summary>
    public string RawTarget { get; }

    /// <summary>Headers by case-insensitive name.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The exact body bytes the client sent.</summary>
    public ReadOnlyMemory<byte> Body { get; }
}
