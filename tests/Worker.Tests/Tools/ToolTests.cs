using System.Text.Json;
using AppSyncChat.Testing;
using AppSyncChat.Worker.Tools;

namespace AppSyncChat.Worker.Tests.Tools;

public sealed class ToolTests
{
    [Theory]
    [InlineData("2*(3+4)", "14")]
    [InlineData("1 + 2 * 3", "7")]
    [InlineData("(1 + 2) * 3", "9")]
    [InlineData("-2^2", "-4")]
    [InlineData("2^3^2", "512")]
    [InlineData("10 % 4", "2")]
    [InlineData("7 / 2", "3.5")]
    [InlineData("sqrt(16) + abs(-3)", "7")]
    [InlineData("1.5e3 - 500", "1000")]
    [InlineData("round(2.5) + floor(1.9) + ceil(1.1)", "6")]
    [InlineData("--3", "3")]
    [InlineData("0.1 + 0.2", "0.30000000000000004")]
    public void Calculate_ValidExpressions_GiveTheArithmeticResult(string expression, string expected)
    {
        Assert.Equal(expected, ArithmeticExpression.Format(ArithmeticExpression.Evaluate(expression)));
    }

    [Theory]
    [InlineData("1/0", "Division by zero.")]
    [InlineData("2*(3+4", "Missing ')'")]
    [InlineData("2 $ 3", "Unexpected '$'")]
    [InlineData("System.IO.File.Delete(\"x\")", "Unknown name 'system'")]
    [InlineData("", "ends where a number was expected")]
    [InlineData("sqrt(-1)", "sqrt of a negative number")]
    [InlineData("10^400", "not a finite number")]
    public void Calculate_BadExpressions_ThrowAClearArithmeticError(string expression, string message)
    {
        var ex = Assert.Throws<ArithmeticException>(() => ArithmeticExpression.Evaluate(expression));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calculate_DeepNestingOrHugeInput_IsRefusedNotOverflowed()
    {
        Assert.Throws<ArithmeticException>(() => ArithmeticExpression.Evaluate(new string('(', 500) + "1" + new string(')', 500)));
        Assert.Throws<ArithmeticException>(() => ArithmeticExpression.Evaluate(string.Concat(Enumerable.Repeat("1+", 600)) + "1"));
        Assert.Throws<ArithmeticException>(() => ArithmeticExpression.Evaluate(new string('-', 900) + "1"));
    }

    [Fact]
    public async Task CalculateTool_WithoutExpression_ExplainsTheInput()
    {
        var ex = await Assert.ThrowsAsync<ToolInputException>(() => new CalculateTool().InvokeAsync(new ToolArguments(null), CancellationToken.None));
        Assert.Contains("expression", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "2026-11-21T08:00:00+00:00")]
    [InlineData("UTC", "2026-11-21T08:00:00+00:00")]
    [InlineData("-03:00", "2026-11-21T05:00:00-03:00")]
    [InlineData("Asia/Tokyo", "2026-11-21T17:00:00+09:00")]
    public async Task GetCurrentTime_KnownZones_GiveTheLocalTime(string? zone, string expected)
    {
        var tool = new GetCurrentTimeTool(new ManualTimeProvider());
        var args = new ToolArguments(zone is null ? null : new Dictionary<string, object?> { ["timezone"] = zone });

        using var json = JsonDocument.Parse(await tool.InvokeAsync(args, CancellationToken.None));

        Assert.Equal(expected, json.RootElement.GetProperty("localTime").GetString());
        Assert.Equal("2026-11-21T08:00:00Z", json.RootElement.GetProperty("utcTime").GetString());
    }

    [Fact]
    public async Task GetCurrentTime_UnknownZone_ExplainsTheAcceptedForms()
    {
        var tool = new GetCurrentTimeTool(new ManualTimeProvider());
        var ex = await Assert.ThrowsAsync<ToolInputException>(() => tool.InvokeAsync(new ToolArguments(new Dictionary<string, object?> { ["timezone"] = "Mars/Olympus" }), CancellationToken.None));
        Assert.Contains("IANA", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_DeclaresTheToolsWithTheirSchemas_AndRejectsDuplicates()
    {
        var registry = ToolRegistry.CreateDemo(TimeProvider.System);

        Assert.Equal(["get_current_time", "calculate"], registry.Declarations.Select(d => d.Name));
        var calculate = (Microsoft.Extensions.AI.AIFunctionDeclaration)registry.Declarations[1];
        Assert.Equal("expression", calculate.JsonSchema.GetProperty("required")[0].GetString());
        Assert.Throws<ArgumentException>(() => new ToolRegistry([new CalculateTool(), new CalculateTool()]));
    }
}
