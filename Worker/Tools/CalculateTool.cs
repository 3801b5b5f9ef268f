using System.Text.Json;

namespace AppSyncChat.Worker.Tools;

/// <summary><c>calculate</c>: evaluates an arithmetic expression with <see cref="ArithmeticExpression"/>. Input <c>{"expression":"2*(3+4)"}</c>.</summary>
public sealed class CalculateTool : IChatTool
{
    public const string ToolName = "calculate";

    private static readonly JsonElement Schema = JsonDocument.Parse(
        """
        {"type":"object","properties":{"expression":{"type":"string","description":"Arithmetic with + - * / % ^, parentheses, pi, e, sqrt, abs, round, floor, ceil, ln, log10. Example: 2*(3+4)"}},"required":["expression"]}
        """).RootElement.Clone();

    public string Name => ToolName;

    public string Description => "Evaluates an arithmetic expression exactly as written and returns the number.";

    public JsonElement InputSchema => Schema;

    public string? Describe(ToolArguments arguments)
    {
        var expression = arguments?.GetString("expression");
        return string.IsNullOrWhiteSpace(expression) ? "Calculating" : $"Calculating {Shorten(expression.Trim())}";
    }

    public Task<string> InvokeAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        cancellationToken.ThrowIfCancellationRequested();
        var expression = arguments.GetString("expression");
        if (string.IsNullOrWhiteSpace(expression))
        {
            throw new ToolInputException("The input needs an 'expression', for example {\"expression\":\"2*(3+4)\"}.");
        }

        try
        {
            return Task.FromResult(ArithmeticExpression.Format(ArithmeticExpression.Evaluate(expression)));
        }
        catch (ArithmeticException ex)
        {
            throw new ToolInputException(ex.Message);
        }
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
}
