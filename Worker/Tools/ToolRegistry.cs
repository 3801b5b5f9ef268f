using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace AppSyncChat.Worker.Tools;

/// <summary>The tools offered to the model: built once at start-up, read-only afterwards.</summary>
public sealed partial class ToolRegistry
{
    private readonly Dictionary<string, IChatTool> _tools = new(StringComparer.Ordinal);

    public ToolRegistry(IEnumerable<IChatTool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var declarations = new List<AITool>();
        foreach (var tool in tools)
        {
            if (!NamePattern().IsMatch(tool.Name))
            {
                throw new ArgumentException($"Tool name '{tool.Name}' must match [a-zA-Z0-9_-]{{1,64}}.", nameof(tools));
            }

            if (!_tools.TryAdd(tool.Name, tool))
            {
                throw new ArgumentException($"Tool '{tool.Name}' is registered twice.", nameof(tools));
            }

            declarations.Add(new ChatToolDeclaration(tool));
        }

        Declarations = declarations.AsReadOnly();
    }

    /// <summary>No tools: what the Worker offers unless <c>APPSYNCCHAT_DEMO_TOOLS</c> is on.</summary>
    public static ToolRegistry None { get; } = new([]);

    /// <summary>The demo tools AppSyncChat ships: <c>get_current_time</c> and <c>calculate</c> (<c>APPSYNCCHAT_DEMO_TOOLS</c>).</summary>
    public static ToolRegistry CreateDemo(TimeProvider time) => new([new GetCurrentTimeTool(time), new CalculateTool()]);

    public IReadOnlyList<AITool> Declarations { get; }

    public int Count => _tools.Count;

    public IChatTool? Find(string name) => _tools.GetValueOrDefault(name);

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
