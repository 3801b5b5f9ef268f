using System.Text.Json;
using AppSyncChat.Local.Tests.AppSyncEvents;
using Xunit.Abstractions;

namespace AppSyncChat.Local.Tests.Stack;

/// <summary>
/// A small run of <c>tests/conformance/liveness-soak.mjs</c>: an independent viewer written from the AppSync Events
/// WebSocket protocol alone (Node <c>ws</c> + fetch) watches answers of 400 tokens at 60 tokens/s — the scenario in
/// which the live stream was measured to freeze for ~5 s — and checks every answer completes, equals the stored text,
/// and never pauses longer than the bound while the Bedrock emulator kept emitting tokens. The full soak (1,000
/// answers) is run by hand; see tests/conformance/README.md.
/// </summary>
public sealed class LivenessSoakTests(LocalStackTestFixture fixture, ITestOutputHelper output) : IClassFixture<LocalStackTestFixture>
{
    [Fact]
    public async Task IndependentViewer_TwelveAnswersSixAtOnce_NoGapBeyondTheBoundAndEveryTextMatches()
    {
        var result = await ConformanceRunner.RunAsync(
            "liveness-soak.mjs",
            ["--endpoints", fixture.EndpointsFilePath, "--answers", "12", "--concurrency", "6", "--answer-timeout-s", "60", "--max-minutes", "2", "--progress-every", "6"],
            new Dictionary<string, string>(),
            TimeSpan.FromMinutes(4));
        output.WriteLine(result.Stdout);
        output.WriteLine(result.Stderr);

        using var summary = JsonDocument.Parse(result.Report);
        var root = summary.RootElement;
        Assert.True(result.ExitCode == 0, $"liveness soak failed ({result.ExitCode}): {result.Report}\n{result.Stderr}");
        Assert.Equal(12, root.GetProperty("answersRun").GetInt32());
        Assert.Equal(12, root.GetProperty("completed").GetInt32());
        Assert.Equal(0, root.GetProperty("mismatches").GetInt32());
        Assert.Equal(0, root.GetProperty("overBound").GetInt32());
        Assert.True(root.GetProperty("longestGapPerAnswerMs").GetProperty("max").GetDouble() <= 1000);
    }
}
