using System.Diagnostics;
using AppSyncChat.Aws.Bedrock;
using AppSyncChat.Local.Bedrock;

namespace AppSyncChat.Local.Tests.Bedrock;

/// <summary>The emulator's model on its own: exact length, deterministic, readable, and linear for long answers.</summary>
public sealed class DeterministicModelTests
{
    private static ModelPlan Plan(string prompt, int tokens) => DeterministicModel.Plan(
        new ConverseRequest { Messages = [new BedrockMessage(BedrockWireNames.RoleUser, [new ContentBlock { Text = prompt }])] },
        prompt,
        EmulatorDirectives.None,
        tokens);

    [Fact]
    public void Plan_ShortAnswer_IsReadableSentencesCutToTheTokenCount()
    {
        var plan = Plan("Explain how sourdough fermentation works", 20);

        Assert.Equal(20, plan.TextTokens.Count);
        Assert.Equal(
            "You asked about sourdough and fermentation. Here is a short answer that stays close to sourdough and fermentation. The key.",
            string.Concat(plan.TextTokens));
        Assert.DoesNotContain(plan.TextTokens.Skip(1), t => !t.StartsWith(' '));
        Assert.Equal("end_turn", plan.StopReason);
    }

    [Fact]
    public void Plan_LongestAnswer_HasExactlyTheTokenCount_IsDeterministic_AndTakesLinearTime()
    {
        var stopwatch = Stopwatch.StartNew();
        var first = Plan("Tell me everything about rivers and mountains", 100_000);
        var elapsed = stopwatch.Elapsed;
        var second = Plan("Tell me everything about rivers and mountains", 100_000);

        Assert.Equal(100_000, first.TextTokens.Count);
        Assert.Equal(first.TextTokens, second.TextTokens);
        var text = string.Concat(first.TextTokens);
        Assert.StartsWith("You asked about", text, StringComparison.Ordinal);
        Assert.EndsWith(".", text, StringComparison.Ordinal);
        Assert.True(text.Length > 240 * 1024, $"{text.Length} characters");
        // The quadratic version took minutes here; the linear one takes milliseconds. The bound is loose for a busy machine.
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"planning 100000 tokens took {elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public void Plan_ShorterAnswer_IsAPrefixOfTheLongerOne_ExceptTheClosingPeriod()
    {
        var shortPlan = Plan("Describe coastal lighthouses", 57);
        var longPlan = Plan("Describe coastal lighthouses", 2_000);

        Assert.Equal(shortPlan.TextTokens.Take(56), longPlan.TextTokens.Take(56));
        Assert.Equal(longPlan.TextTokens[56].TrimEnd(',', ';', ':', '.') + ".", shortPlan.TextTokens[56]);
    }
}
