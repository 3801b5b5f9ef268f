namespace AppSyncChat.Worker.Tools;

/// <summary>
/// Which models are offered tools: those whose Bedrock model-id family supports tool use in Converse (AWS's
/// "supported models and model features" table) — Anthropic Claude 3 and later, Amazon Nova, Mistral Large,
/// Cohere Command R, Meta Llama 3.1 and later (3.2 only 11B and 90B), AI21 Jamba. Any other model gets no
/// <c>toolConfig</c>: Bedrock rejects one the model does not support, which would fail every turn. The Local
/// Bedrock emulator answers any id and runs with Claude ids (its default, <c>anthropic.claude-3-5-haiku-…</c>), so
/// it counts as supporting.
/// </summary>
public static class ToolUseSupport
{
    private static readonly string[] Families =
    [
        "anthropic.claude-3",
        "anthropic.claude-sonnet-",
        "anthropic.claude-opus-",
        "anthropic.claude-haiku-",
        "amazon.nova-",
        "mistral.mistral-large",
        "cohere.command-r",
        "meta.llama3-1-",
        "meta.llama3-2-11b",
        "meta.llama3-2-90b",
        "meta.llama3-3-",
        "meta.llama4-",
        "ai21.jamba",
    ];

    /// <summary>
    /// True when <paramref name="modelId"/> belongs to a family that supports tool use. A model ARN counts by the id
    /// after its last <c>/</c>; an inference-profile id by the model id after its geography prefix (<c>us.</c>, <c>eu.</c>,
    /// <c>apac.</c>, <c>global.</c>, …).
    /// </summary>
    public static bool Supports(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        var id = modelId[(modelId.LastIndexOf('/') + 1)..].Trim();
        var afterPrefix = id.IndexOf('.') is var dot and > 0 ? id[(dot + 1)..] : id;
        foreach (var family in Families)
        {
            if (id.StartsWith(family, StringComparison.OrdinalIgnoreCase) || afterPrefix.StartsWith(family, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
