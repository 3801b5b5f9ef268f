using System.Diagnostics;
using System.Globalization;
using AppSyncChat.Local.Hosting;

namespace AppSyncChat.Local.Tests.Stack;

/// <summary>
/// Runs <c>AppSyncChat.Local</c> as a real child process, as <c>dotnet run --project Local</c> would, and
/// checks that its Node sidecar never outlives it.
/// </summary>
public sealed class ProcessLifetimeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("appsyncchat-lifetime-test-").FullName;

    [Fact]
    public async Task LocalProcess_KilledWithSigkill_LeavesNoOrphanedNodeSidecar()
    {
        using var local = StartLocalProcess(out var endpointsFile);
        var endpoints = await WaitForEndpointsAsync(local, endpointsFile);
        using var sidecar = Process.GetProcessById(endpoints.SidecarProcessId);
        Assert.False(sidecar.HasExited);

        local.Kill(); // SIGKILL: no handler of ours runs
        await local.WaitForExitAsync();

        Assert.True(await ExitsWithinAsync(endpoints.SidecarProcessId, TimeSpan.FromSeconds(10)), $"node sidecar {endpoints.SidecarProcessId} outlived its killed parent");
    }

    [Fact]
    public async Task LocalProcess_CtrlC_StopsTheSidecarAndRemovesTheEndpointsFile()
    {
        using var local = StartLocalProcess(out var endpointsFile);
        var endpoints = await WaitForEndpointsAsync(local, endpointsFile);

        SendSignal(local.Id, "INT"); // what a terminal's Ctrl+C delivers
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await local.WaitForExitAsync(exited.Token);

        Assert.Equal(0, local.ExitCode);
        Assert.True(await ExitsWithinAsync(endpoints.SidecarProcessId, TimeSpan.FromSeconds(5)));
        Assert.False(File.Exists(endpointsFile));
    }

    [Fact]
    public async Task LocalProcess_PortTaken_ExitsWithAnErrorNamingTheFlag()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;

        using var local = StartLocalProcess(out _, "--sqs-port", port.ToString(CultureInfo.InvariantCulture));
        var stderr = local.StandardError.ReadToEndAsync();
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await local.WaitForExitAsync(exited.Token);

        Assert.NotEqual(0, local.ExitCode);
        Assert.Contains($"Port {port}", await stderr, StringComparison.Ordinal);
        Assert.Contains("--sqs-port", await stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Process StartLocalProcess(out string endpointsFile, params string[] extra)
    {
        endpointsFile = Path.Combine(_directory, $"endpoints-{Guid.NewGuid():N}.json");
        var app = Path.Combine(AppContext.BaseDirectory, "AppSyncChat.Local.dll");
        Assert.True(File.Exists(app), $"{app} missing");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            app,
            "--graphql-port", "0", "--events-port", "0", "--events-tls-port", "0", "--bedrock-port", "0",
            "--dynamodb-port", "0", "--sqs-port", "0", "--lambda-port", "0",
            "--endpoints-file", endpointsFile,
            "--repository-root", LocalStackLayout.RepositoryRoot(),
        ];
        foreach (var argument in arguments.Concat(extra))
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        var process = Process.Start(startInfo)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task<LocalStackEndpoints> WaitForEndpointsAsync(Process local, string endpointsFile)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (local.HasExited)
            {
                Assert.Fail($"Local exited early with code {local.ExitCode}: {await local.StandardError.ReadToEndAsync()}");
            }

            if (File.Exists(endpointsFile))
            {
                return LocalStackEndpoints.FromJson(await File.ReadAllTextAsync(endpointsFile));
            }

            await Task.Delay(100);
        }

        local.Kill(entireProcessTree: true);
        Assert.Fail("Local did not write its endpoints file within 90 s");
        return null!;
    }

    private static async Task<bool> ExitsWithinAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!IsRunning(pid))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>Alive and not a zombie (a zombie has exited; it only waits to be reaped).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state != 'Z' && state != 'X';
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    private static void SendSignal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
