using System.Globalization;
using System.Net;
using System.Text.Json;

namespace AppSyncChat.Bench.Metrics;

/// <summary>One model request as the Bedrock emulator recorded it: when each token was flushed.</summary>
public sealed class ModelTurn
{
    private readonly int[] _charToToken;

    public ModelTurn(string requestId, DateTimeOffset receivedAt, DateTimeOffset? firstTokenAt, string outcome, IReadOnlyList<(string Text, DateTimeOffset EmittedAt)> tokens)
    {
        RequestId = requestId;
        ReceivedAt = receivedAt;
        FirstTokenAt = firstTokenAt;
        Outcome = outcome;
        TokenEmittedAt = [.. tokens.Select(t => t.EmittedAt)];
        Text = string.Concat(tokens.Select(t => t.Text));
        _charToToken = new int[Text.Length];
        var position = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            for (var c = 0; c < tokens[i].Text.Length; c++)
            {
                _charToToken[position++] = i;
            }
        }
    }

    public string RequestId { get; }

    public DateTimeOffset ReceivedAt { get; }

    public DateTimeOffset? FirstTokenAt { get; }

    public string Outcome { get; }

    public DateTimeOffset[] TokenEmittedAt { get; }

    /// <summary>The text the model streamed (all tokens, concatenated).</summary>
    public string Text { get; }

    public int Tokens => TokenEmittedAt.Length;

    /// <summary>When the token holding character <paramref name="index"/> (UTF-16) was flushed; null past the model's text.</summary>
    public DateTimeOffset? EmittedAtChar(long index) => index >= 0 && index < _charToToken.Length ? TokenEmittedAt[_charToToken[index]] : null;

    /// <summary>Parses <c>GET /_emulator/requests/{id}</c>.</summary>
    public static ModelTurn Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var tokens = new List<(string, DateTimeOffset)>();
        foreach (var token in root.GetProperty("tokens").EnumerateArray())
        {
            tokens.Add((token.GetProperty("text").GetString() ?? "", Time(token.GetProperty("emittedAt"))));
        }

        DateTimeOffset? first = root.TryGetProperty("firstTokenAt", out var f) && f.ValueKind == JsonValueKind.String ? Time(f) : null;
        return new ModelTurn(
            root.GetProperty("requestId").GetString() ?? "",
            Time(root.GetProperty("receivedAt")),
            first,
            root.TryGetProperty("outcome", out var o) ? o.GetString() ?? "" : "",
            tokens);
    }

    /// <summary>
    /// Finds the model request of each marker (a word of the prompt that names one turn) in the Bedrock emulator's
    /// request log and reads its token times. Throttled attempts are skipped; a marker with no request is left out.
    /// </summary>
    public static async Task<Dictionary<string, ModelTurn>> FetchByMarkerAsync(HttpClient http, string bedrockUrl, IEnumerable<string> markers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var wanted = markers.ToHashSet(StringComparer.Ordinal);
        var byMarker = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(bedrockUrl + "/_emulator/requests"), cancellationToken).ConfigureAwait(false)))
        {
            foreach (var request in document.RootElement.EnumerateArray())
            {
                var prompt = request.TryGetProperty("prompt", out var p) ? p.GetString() : null;
                var marker = prompt?.Split(' ', ':').FirstOrDefault(wanted.Contains);
                if (marker is not null && request.GetProperty("outcome").GetString() is not "ThrottlingException")
                {
                    byMarker[marker] = request.GetProperty("requestId").GetString()!;
                }
            }
        }

        var models = new Dictionary<string, ModelTurn>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(byMarker, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (pair, ct) =>
        {
            using var response = await http.GetAsync(new Uri($"{bedrockUrl}/_emulator/requests/{pair.Value}"), ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var model = Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
                lock (models)
                {
                    models[pair.Key] = model;
                }
            }
        }).ConfigureAwait(false);
        return models;
    }

    private static DateTimeOffset Time(JsonElement element) =>
        DateTimeOffset.Parse(element.GetString() ?? throw new FormatException("A time is missing."), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
