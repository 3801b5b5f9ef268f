using AppSyncChat.Local.Bedrock;

namespace AppSyncChat.Local.Tests.Bedrock;

/// <summary>The per-request directives of the Bedrock emulator (Local/Bedrock/README.md).</summary>
public sealed class EmulatorDirectivesTests
{
    [Fact]
    public void FaultNone_CancelsAFaultNamedEarlierInTheSameText()
    {
        // A question that failed without text and the next one reach the model as one user message.
        var (directives, prompt) = EmulatorDirectives.Parse("first [[fault=throttle]]\n\nsecond [[tokens=5]] [[fault=none]]");

        Assert.Equal(EmulatorFault.None, directives.Fault);
        Assert.Equal(5, directives.AnswerTokens);
        Assert.DoesNotContain("[[", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void Fault_TheLastOneWins() =>
        Assert.Equal(EmulatorFault.StreamError, EmulatorDirectives.Parse("a [[fault=none]] b [[fault=stream-error]]").Directives.Fault);
}
