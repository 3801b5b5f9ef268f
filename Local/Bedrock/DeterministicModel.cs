using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AppSyncChat.Aws.Bedrock;

namespace AppSyncChat.Local.Bedrock;

/// <summary>A tool call the model asks for: the id, the tool, and its input JSON split into the fragments the stream sends.</summary>
internal sealed record PlannedToolUse(string ToolUseId, string Name, string InputJson, IReadOnlyList<string> InputFragments);

/// <summary>What the model answers: text tokens (each already carrying its leading space), an optional tool call, and the stop reason.</summary>
internal sealed record ModelPlan(IReadOnlyList<string> TextTokens, PlannedToolUse? ToolUse, string StopReason, int InputTokens);

/// <summary>
/// The emulator's model: deterministic (the same request gives the same answer), readable English
/// built from the prompt's own words, with the tool behaviour described in Local/Bedrock/README.md ("Tools").
/// </summary>
internal static partial class DeterministicModel
{
    public const string CurrentTimeTool = "get_current_time";
    public const string CalculateTool = "calculate";
    private const string DefaultExpression = "2*(3+4)";

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "about", "above", "after", "again", "also", "because", "been", "before", "being", "between", "both", "could", "does",
        "doing", "down", "during", "each", "explain", "from", "further", "give", "have", "having", "here", "into", "just",
        "know", "like", "make", "many", "more", "most", "much", "need", "only", "other", "over", "please", "same", "should",
        "some", "such", "tell", "than", "that", "their", "them", "then", "there", "these", "they", "this", "those", "through",
        "very", "want", "were", "what", "when", "where", "which", "while", "whom", "will", "with", "would", "your", "yours",
        "could", "shall", "might", "must", "cannot", "show", "describe", "help", "thanks", "thank",
    };

    /// <summary>Plans the answer to <paramref name="request"/>, whose last user text (directives stripped) is <paramref name="prompt"/>.</summary>
    public static ModelPlan Plan(ConverseRequest request, string prompt, EmulatorDirectives directives, int answerTokens)
    {
        var inputTokens = CountInputTokens(request);
        var keywords = Keywords(prompt);
        var last = request.Messages[^1];
        var results = last.Role == BedrockWireNames.RoleUser ? last.Content.Where(b => b.ToolResult is not null).Select(b => b.ToolResult!).ToList() : [];

        if (results.Count > 0)
        {
            // The turn after a tool call: say what the tool returned, then finish the answer.
            var calls = request.Messages.Count >= 2
                ? request.Messages[^2].Content.Where(b => b.ToolUse is not null).ToDictionary(b => b.ToolUse!.ToolUseId, b => b.ToolUse!.Name, StringComparer.Ordinal)
                : [];
            var lead = string.Join(' ', results.Select(r => ToolSentence(calls.GetValueOrDefault(r.ToolUseId, "tool"), r)));
            return new ModelPlan(Tokens(lead, keywords, answerTokens, skipOpening: true), null, BedrockWireNames.EndTurn, inputTokens);
        }

        var offered = request.ToolConfig?.Tools.Select(t => t.ToolSpec.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        var wanted = directives.Tool
            ?? (TimeWord().IsMatch(prompt) ? CurrentTimeTool : null)
            ?? (prompt.Contains("calculate", StringComparison.OrdinalIgnoreCase) ? CalculateTool : null);
        if (wanted is not null && offered.Contains(wanted))
        {
            var input = wanted switch
            {
                CurrentTimeTool => "{\"timezone\":\"UTC\"}",
                CalculateTool => "{\"expression\":" + JsonSerializer.Serialize(Expression().Match(prompt) is { Success: true } m ? m.Value.Trim() : DefaultExpression, BedrockEmulatorJsonContext.Default.String) + "}",
                _ => "{}",
            };
            var id = "tooluse_" + Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes($"{request.Messages.Count}|{wanted}|{prompt}")))[..22];
            var leadText = $"I will use the {wanted} tool to answer that.";
            return new ModelPlan(Words(leadText), new PlannedToolUse(id, wanted, input, Fragments(input)), BedrockWireNames.ToolUse, inputTokens);
        }

        return new ModelPlan(Tokens(string.Empty, keywords, answerTokens, skipOpening: false), null, BedrockWireNames.EndTurn, inputTokens);
    }

    private static string ToolSentence(string name, ToolResultBlock result)
    {
        var value = Summarize(result);
        if (result.Status == "error")
        {
            return $"The {name} tool reported an error ({value}), so I will answer without it.";
        }

        return name switch
        {
            CurrentTimeTool => $"The current time from {name} is {value}.",
            CalculateTool => $"The calculate tool gives {value} for that expression.",
            _ => $"The {name} tool returned {value}.",
        };
    }

    private static string Summarize(ToolResultBlock result)
    {
        var parts = new List<string>();
        foreach (var block in result.Content)
        {
            if (block.Text is { } text)
            {
                parts.Add(text.Trim());
            }
            else if (block.Json is { } json)
            {
                var properties = json.ValueKind == JsonValueKind.Object ? json.EnumerateObject().ToList() : [];
                parts.Add(properties.Count == 1
                    ? properties[0].Value.ValueKind == JsonValueKind.String ? properties[0].Value.GetString()! : properties[0].Value.GetRawText()
                    : json.GetRawText());
            }
        }

        var summary = string.Join("; ", parts.Where(p => p.Length > 0));
        summary = summary.Length == 0 ? "nothing" : summary;
        return summary.Length > 200 ? summary[..200] : summary;
    }

    /// <summary>Text of about <paramref name="count"/> tokens: <paramref name="lead"/> in full, then sentences about the keywords.</summary>
    private static List<string> Tokens(string lead, IReadOnlyList<string> keywords, int count, bool skipOpening)
    {
        // Built sentence by sentence, appending only the new words: linear in the answer length
        // (re-splitting the whole growing text made long answers quadratic).
        var words = Words(lead);
        var leadCount = words.Count;
        var sentence = skipOpening ? 1 : 0;
        while (words.Count < count)
        {
            AppendWords(words, Sentence(sentence++, keywords));
        }

        if (words.Count > count && count >= leadCount)
        {
            words.RemoveRange(count, words.Count - count);
            var lastWord = words[^1].TrimEnd(',', ';', ':');
            words[^1] = lastWord.EndsWith('.') ? lastWord : lastWord + ".";
        }

        return words;
    }

    private static string Sentence(int index, IReadOnlyList<string> k)
    {
        string K(int i) => k[(i + (index / 8)) % k.Count];
        string Pair(int i) => k.Count > 1 ? $"{K(i)} and {K(i + 1)}" : K(i);
        return (index % 8) switch
        {
            0 => $"You asked about {Pair(0)}.",
            1 => $"Here is a short answer that stays close to {Pair(0)}.",
            2 => $"The key idea behind {K(1)} is that it connects to {K(2)} in a simple way.",
            3 => $"In practice, {K(0)} is easiest to understand with a concrete example.",
            4 => $"A common mistake is to treat {K(2)} as separate from {K(1)}.",
            5 => $"If you look at {K(1)} step by step, each part builds on the previous one.",
            6 => $"That is why {K(0)} keeps coming up when people discuss {K(3)}.",
            _ => $"To sum up, {Pair(1)} belong together.",
        };
    }

    /// <summary>Tokens as a streaming model sends them: words, each after the first with its leading space.</summary>
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        AppendWords(words, text);
        return words;
    }

    /// <summary>Appends the words of <paramref name="text"/> as tokens continuing <paramref name="words"/> (a leading space unless it is the very first).</summary>
    private static void AppendWords(List<string> words, string text)
    {
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            words.Add(words.Count == 0 ? word : " " + word);
        }
    }

    private static List<string> Keywords(string prompt)
    {
        var keywords = WordPattern().Matches(prompt)
            .Select(m => m.Value.ToLowerInvariant())
            .Where(w => w.Length >= 4 && !StopWords.Contains(w))
            .Distinct(StringComparer.Ordinal)
            .Take(6)
            .ToList();
        return keywords.Count > 0 ? keywords : ["this topic"];
    }

    private static IReadOnlyList<string> Fragments(string json)
    {
        var size = Math.Max(1, (json.Length + 2) / 3);
        return [.. json.Chunk(size).Select(c => new string(c))];
    }

    private static int CountInputTokens(ConverseRequest request)
    {
        var count = request.System?.Sum(s => Count(s.Text)) ?? 0;
        foreach (var block in request.Messages.SelectMany(m => m.Content))
        {
            count += Count(block.Text) + Count(block.ToolUse?.Input.GetRawText())
                + (block.ToolResult?.Content.Sum(c => Count(c.Text) + Count(c.Json?.GetRawText())) ?? 0);
        }

        return Math.Max(1, count);

        static int Count(string? text) => text is null ? 0 : text.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Length;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex(@"\btime\b", RegexOptions.IgnoreCase)]
    private static partial Regex TimeWord();

    [GeneratedRegex(@"[0-9(][0-9\s+\-*/().^%]*[0-9)]")]
    private static partial Regex Expression();

    [GeneratedRegex(@"[\p{L}][\p{L}'-]*")]
    private static partial Regex WordPattern();
}
