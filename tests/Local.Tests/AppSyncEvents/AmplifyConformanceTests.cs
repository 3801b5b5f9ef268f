using System.Text.Json;
using AppSyncChat.Local.AppSyncEvents;
using Xunit.Abstractions;

namespace AppSyncChat.Local.Tests.AppSyncEvents;

/// <summary>
/// The official Amplify events client (<c>events</c> from <c>aws-amplify/data</c>, Node) against the emulator's
/// TLS listener: connect, exact and wildcard subscribe, publish over WebSocket and HTTP (API key and IAM),
/// receive, unsubscribe, per-namespace auth, and the bad-API-key path.
/// </summary>
public sealed class AmplifyConformanceTests(EmulatorFixture fixture, ITestOutputHelper output) : IClassFixture<EmulatorFixture>
{
    [Fact]
    public async Task AmplifyEvents_HappyPath_SubscribesPublishesReceivesAndUnsubscribes()
    {
        var result = await RunAsync("happy");
        using var report = JsonDocument.Parse(result.Report);

        Assert.True(result.ExitCode == 0, $"Amplify scenario failed: {result.Report}\n{result.Stderr}");
        Assert.Equal(0, report.RootElement.GetProperty("failures").GetArrayLength());
        Assert.Equal(2, report.RootElement.GetProperty("exactAfterClose").GetInt32());
        Assert.Equal(
            ["iam-http", "iam-ws"],
            report.RootElement.GetProperty("chatEvents").EnumerateArray().Select(e => e.GetProperty("via").GetString()));
        Assert.Contains("UnauthorizedException", report.RootElement.GetProperty("chatWsApiKeyPublishError").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AmplifyEvents_BadApiKey_ConnectAndPostFailWithUnauthorized()
    {
        var result = await RunAsync("bad-key");
        using var report = JsonDocument.Parse(result.Report);

        Assert.True(result.ExitCode == 0, $"Amplify bad-key scenario failed: {result.Report}\n{result.Stderr}");
        Assert.NotEqual(JsonValueKind.Undefined, report.RootElement.GetProperty("connectError").ValueKind);
        Assert.NotEqual(JsonValueKind.Undefined, report.RootElement.GetProperty("postError").ValueKind);
    }

    private async Task<ConformanceRunner.Result> RunAsync(string scenario)
    {
        var result = await RunScriptAsync(scenario);
        output.WriteLine(result.Report);
        return result;
    }

    private Task<ConformanceRunner.Result> RunScriptAsync(string scenario) =>
        ConformanceRunner.RunAsync("events-amplify.mjs", [scenario], new Dictionary<string, string>
        {
            ["EVENTS_ENDPOINT"] = new Uri(fixture.Server.TlsBaseAddress!, "/event").ToString(),
            ["EVENTS_API_KEY"] = AppSyncEventsEmulatorOptions.LocalApiKey,
            ["EVENTS_REGION"] = AppSyncEventsEmulatorOptions.LocalRegion,
            ["EVENTS_ACCESS_KEY_ID"] = AppSyncEventsEmulatorOptions.LocalAccessKeyId,
            ["EVENTS_SECRET_ACCESS_KEY"] = AppSyncEventsEmulatorOptions.LocalSecretAccessKey,
            ["NODE_EXTRA_CA_CERTS"] = fixture.Server.CertificatePemPath!,
        }, TimeSpan.FromSeconds(60));
}
