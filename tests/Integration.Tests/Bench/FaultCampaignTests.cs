using System.Globalization;
using AppSyncChat.Bench.Faults;
using Xunit.Abstractions;

namespace AppSyncChat.Integration.Tests.Bench;

/// <summary>
/// The fault campaign (<c>bench --mode faults</c>, docs/reliability.md) at the test command's size: 36 turns with at
/// least one of each fault — model throttling, a mid-stream model error, a stall, a Worker process killed with
/// SIGKILL mid-answer, duplicate queue messages, viewers cut off mid-stream, a finish whose second write fails,
/// publish throttling and 5xx, poison messages — plus a 50-viewer reconnect storm and a 10-conversation send burst,
/// through the Local stack with the Worker in its own processes. Every invariant of the full campaign must hold.
/// </summary>
/// <remarks>
/// Timing: no bound here is a guess. A killed turn must be final within V + F (the queue's visibility timeout plus
/// the Worker timeout of the plan, 31 s); the campaign waits for each turn at most V + F + the catch-up's idle
/// re-check + 15 s, and for the queue to drain at most 3 V + F + 10 s; the liveness bound is the benchmark's.
/// The seed is fixed (1), so a failure can be re-run: <c>dotnet run -c Release --project bench -- --mode faults-small --seed 1</c>.
/// </remarks>
[Collection(LoadGeneratorCollection.Name)]
public sealed class FaultCampaignTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SmallCampaign_EveryFaultKind_EveryTurnEndsAndNothingIsLost()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        var seed = int.TryParse(Environment.GetEnvironmentVariable("APPSYNCCHAT_FAULT_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 1;
        var plan = FaultPlan.Small(seed);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5)); // a safety net only: the campaign bounds its own waits
        var campaign = new FaultCampaign(plan, output.WriteLine);
        FaultReport report;
        try
        {
            report = await campaign.RunAsync("FaultCampaignTests", timeout.Token);
        }
        finally
        {
            await campaign.DisposeAsync();
        }

        output.WriteLine(report.RenderMarkdown());
        if (!report.Passed)
        {
            output.WriteLine("Worker logs:\n" + campaign.WorkerLogTail);
        }

        Assert.All(report.Invariants, i => Assert.True(i.Held, $"{i.Name}: {string.Join("; ", i.Violations)}"));
        Assert.All(report.Invariants.Where(i => i.Name != "killed turns recover within V + F"), i => Assert.True(i.Checked > 0, $"{i.Name} checked nothing"));

        // Every kind of fault really happened (not only planned).
        foreach (var (kind, count) in report.FaultsInjected.Where(f => !f.Key.StartsWith("turns interrupted", StringComparison.Ordinal) && !f.Key.StartsWith("records in a killed batch", StringComparison.Ordinal)))
        {
            Assert.True(count > 0, $"no '{kind}' in this run");
        }

        Assert.Equal(36, report.Turns);
        Assert.Contains(report.Kills, k => k.Targeted);
        Assert.All(report.Kills, k =>
        {
            Assert.True(k.RecoveryMs <= report.RecoveryBoundMs, $"{k.MessageId}: recovery {k.RecoveryMs} ms");
            Assert.True(k.StoredTurn >= 2, $"{k.MessageId} was not taken over");
        });

        var storm = Assert.IsType<StormResult>(report.Storm);
        Assert.Equal(50, storm.Viewers);
        Assert.True(storm.Dropped > 0);
        Assert.Equal(0, storm.Mismatches);
        Assert.Equal(0, storm.LivenessViolations);
        var burst = Assert.IsType<BurstResult>(report.Burst);
        Assert.Equal(10, burst.Conversations);
        Assert.Equal(0, burst.Mismatches);
        Assert.Equal(0, burst.NotCompleted);
    }
}
