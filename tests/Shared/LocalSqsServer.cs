using System.Diagnostics;
using System.Text.Json;

namespace AppSyncChat.Testing;

/// <summary>
/// An xunit fixture that starts the third-party SQS engine <c>local-aws-sqs</c> (from <c>Local/sidecar/node_modules</c>)
/// in a Node child process on 127.0.0.1 with a dynamic port, and kills that process on dispose. The child also exits
/// when its stdin closes, so it cannot outlive a crashed test host.
/// </summary>
/// <remarks>
/// It hands out the endpoint and test credentials only (every test project links this file, and not every one
/// references AWSSDK.SQS): <c>SqsClientFactory.Create(new BasicAWSCredentials(LocalSqsServer.AccessKey, LocalSqsServer.SecretKey), LocalSqsServer.Region, server.Endpoint)</c>.
/// </remarks>
public sealed class LocalSqsServer : IAsyncLifetime
{
    public const string AccessKey = "AKIDEXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Region = "us-east-1";

    // CommonJS: the package's main entry is CJS. Port 0 lets the OS pick; the script prints the real one.
    private const string Script = """
        const { createSqsServer } = require(process.argv[1]);
        createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false })
          .then(server => {
            console.log(JSON.stringify({ port: server.address().port }));
            process.stdin.on('end', () => process.exit(0));
            process.stdin.on('error', () => process.exit(0));
            process.stdin.resume();
          })
          .catch(err => { console.error(err); process.exit(1); });
        """;

    private Process? _process;

    /// <summary>The server's base URL (<c>http://127.0.0.1:{port}/</c>).</summary>
    public Uri Endpoint { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        var package = TestRepository.SidecarPackage("local-aws-sqs");
        if (!File.Exists(Path.Combine(package, "package.json")))
        {
            throw new InvalidOperationException($"local-aws-sqs is not installed at {package}: run scripts/npm-ensure.sh Local/sidecar.");
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(package);
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null)
        {
            var error = await _process.StandardError.ReadToEndAsync(timeout.Token);
            throw new InvalidOperationException($"local-aws-sqs did not start: {error}");
        }

        using var document = JsonDocument.Parse(line);
        var port = document.RootElement.GetProperty("port").GetInt32();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
    }

    public async Task DisposeAsync()
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
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
