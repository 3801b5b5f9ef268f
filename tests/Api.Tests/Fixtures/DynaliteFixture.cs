using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AppSyncChat.Conversations.Table;
using AppSyncChat.Testing;

namespace AppSyncChat.Api.Tests.Fixtures;

/// <summary>
/// A real DynamoDB engine for the tests: dynalite (from <c>Local/sidecar</c>) on a free loopback port,
/// in memory, killed with its process tree on dispose. Each test creates its own table.
/// </summary>
public sealed class DynaliteFixture : IAsyncLifetime
{
    private Process? _process;

    public string ServiceUrl { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        var root = TestRepository.Root;
        var cli = Path.Combine(root, "Local", "sidecar", "node_modules", "dynalite", "cli.js");
        if (!File.Exists(cli))
        {
            await RunAsync("bash", $"scripts/npm-ensure.sh Local/sidecar", root).ConfigureAwait(false);
        }

        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var start = new ProcessStartInfo("node")
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { cli, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0" })
            {
                start.ArgumentList.Add(argument);
            }

            _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            if (await WaitForPortAsync(port, _process).ConfigureAwait(false))
            {
                ServiceUrl = $"http://127.0.0.1:{port}";
                return;
            }

            Kill();
            if (attempt >= 2)
            {
                throw new InvalidOperationException("dynalite did not start listening.");
            }
        }
    }

    public Task DisposeAsync()
    {
        Kill();
        return Task.CompletedTask;
    }

    public AmazonDynamoDBClient CreateClient() => new(
        new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        new AmazonDynamoDBConfig { ServiceURL = ServiceUrl, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    /// <summary>A fresh table with the production definition.</summary>
    public async Task<string> CreateTableAsync(AmazonDynamoDBClient client)
    {
        var name = "t" + Guid.NewGuid().ToString("N");
        await TableDefinition.EnsureCreatedAsync(client, name, CancellationToken.None);
        return name;
    }

    private void Kill()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _process = null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> WaitForPortAsync(int port, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        return false;
    }

    private static async Task RunAsync(string file, string arguments, string directory)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, UseShellExecute = false })
            ?? throw new InvalidOperationException($"Could not start {file}.");
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}.");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DynaliteCollection : ICollectionFixture<DynaliteFixture>
{
    public const string Name = "dynalite";
}
