using System.Text.Json;
using AppSyncChat.Bench;
using AppSyncChat.Bench.Load;

namespace AppSyncChat.Integration.Tests.Bench;

/// <summary>
/// The benchmark's smoke check: the quick mode's workloads in a reduced form — a fast model, a few
/// viewers, the stack and the Worker in this process — must run to the end, write its results, find every
/// viewer with exactly the stored text and no live stream paused beyond the liveness bound (a correctness check: a
/// lost wake-up pauses a stream for seconds). No speed thresholds: speed is measured by <c>bench/</c>, never asserted here.
/// </summary>
[Collection(LoadGeneratorCollection.Name)]
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task SmokeMode_FastModel_CompletesAndWritesResultsWithZeroMismatches()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        var directory = Directory.CreateTempSubdirectory("appsyncchat-bench-smoke-").FullName;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            using var output = new StringWriter();
            using var error = new StringWriter();

            var (report, exit) = await BenchCommand.RunPlanAsync(BenchPlan.Smoke(), "smoke test", directory, output, error, timeout.Token);

            Assert.True(report is not null, "The run failed: " + error);
            Assert.True(exit == BenchCommand.Ok, $"Exit {exit}: {error}\n{output}");
            Assert.Equal(0, report.TotalMismatches);
            Assert.Equal(0, report.TotalLivenessViolations);
            Assert.Contains(report.Results, r => r.Workload == "chat" && r.Strategy == "coalesced");
            Assert.Contains(report.Results, r => r.Workload == "fan-out");
            Assert.Contains(report.Results, r => r.Workload == "cancel");
            Assert.Contains(report.Results, r => r.Strategy == "per-delta");
            Assert.All(report.Results, r =>
            {
                // every viewer was checked against the stored text, and every turn's model timings were found
                Assert.True(r.ViewersChecked == r.Conversations * r.ViewersPerConversation, $"{r.Strategy}/{r.Workload}: {r.ViewersChecked} viewers checked");
                Assert.Equal(0, r.TurnsNotFinal);
                Assert.True(r.ModelTokens > 0, $"{r.Strategy}/{r.Workload}: no model timings");
                Assert.True(r.CharLagMs.Count > 0, $"{r.Strategy}/{r.Workload}: no delivery samples");
            });
            Assert.All(report.Results.Where(r => r.Strategy == "coalesced" && r.Workload != "cancel"), r =>
            {
                // the live stream was measured while the model streamed, and no answer paused beyond the bound
                Assert.True(r.MaxGapPerAnswerMs.Count > 0, $"{r.Workload}: no liveness samples");
                Assert.True(r.MaxGapPerAnswerMs.Max <= r.LivenessBoundMs, $"{r.Workload}: a live stream paused {r.MaxGapPerAnswerMs.Max} ms");
            });

            var json = Assert.Single(Directory.GetFiles(directory, "*.json"));
            using (var document = JsonDocument.Parse(await File.ReadAllTextAsync(json)))
            {
                Assert.Equal("smoke", document.RootElement.GetProperty("mode").GetString());
                Assert.Equal(0, document.RootElement.GetProperty("totalMismatches").GetInt32());
            }

            Assert.Single(Directory.GetFiles(directory, "*.md"));
            Assert.NotEmpty(Directory.GetFiles(directory, "*.svg"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
