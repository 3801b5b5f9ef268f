using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AppSyncChat.Worker.Tools;

/// <summary>
/// A tool the model may call. Implementations are stateless and thread-safe (one instance serves every
/// turn), honour the cancellation token (the worker cancels on its tool timeout, on stopGeneration and
/// at the deadline), and return their result as text (JSON text where structure helps the model).
/// </summary>
public interface IChatTool
{
    /// <summary><c>[a-zA-Z0-9_-]{1,64}</c>, as Bedrock requires.</summary>
    string Name { get; }

    string Description { get; }

    /// <summary>JSON schema of the input object.</summary>
    JsonElement InputSchema { get; }

    /// <summary>A short line viewers see while the tool runs ("Checking the time in UTC"); null for none.</summary>
    string? Describe(ToolArguments arguments);

    /// <summary>Runs the tool. Throw <see cref="ToolInputException"/> for bad input (the model sees the message).</summary>
    Task<string> InvokeAsync(ToolArguments arguments, CancellationToken cancellationToken);
}

/// <summary>The model gave a tool input it cannot use; the message is returned to the model as the tool's error.</summary>
public sealed class ToolInputException(string message) : Exception(message);

/// <summary>The arguments of one tool call, as <see cref="FunctionCallContent.Arguments"/> carries them.</summary>
public sealed class ToolArguments(IDictionary<string, object?>? values)
{
    private static readonly Dictionary<string, object?> Empty = [];

    public IDictionary<string, object?> Values { get; } = values ?? Empty;

    /// <summary>A string argument (a JSON string, or any other JSON value as its raw text); null when absent.</summary>
    public string? GetString(string name)
    {
        if (!Values.TryGetValue(name, out var value) || value is null)
        {
            return null;
        }

        return value switch
        {
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
            JsonElement e => e.GetRawText(),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
    }
}

/// <summary>The declaration of a tool as <see cref="ChatOptions.Tools"/> carries it (name, description, input schema; no reflection).</summary>
internal sealed class ChatToolDeclaration(IChatTool tool) : AIFunctionDeclaration
{
    public override string Name => tool.Name;

    public override string Description => tool.Description;

    public override JsonElement JsonSchema => tool.InputSchema;
}
