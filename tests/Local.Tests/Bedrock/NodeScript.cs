using System.Diagnostics;
using System.Text.Json;

namespace AppSyncChat.Local.Tests.Bedrock;

/// <summary>Runs a conformance script under <c>tests/conformance</c> with Node and parses its JSON output; kills it on timeout.</summary>
internal static class NodeScript
{
    public static string ConformanceDirectory { get; } = FindConformanceDirectory();

    public static async Task<JsonElement> RunAsync(string script, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        await EnsureDependenciesAsync(timeout);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = ConformanceDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment.Remove("AWS_PROFILE");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var (code, stdout, stderr) = await RunProcessAsync(start, timeout);
        if (code != 0)
        {
            throw new InvalidOperationException($"node {script} exited with {code}: {stderr}\n{stdout}");
        }

        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static async Task EnsureDependenciesAsync(TimeSpan timeout)
    {
        if (Directory.Exists(Path.Combine(ConformanceDirectory, "node_modules", "@aws-sdk", "client-bedrock-runtime")))
        {
            return;
        }

        var root = Path.GetFullPath(Path.Combine(ConformanceDirectory, "..", ".."));
        var start = new ProcessStartInfo("bash") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("scripts/npm-ensure.sh");
        start.ArgumentList.Add("tests/conformance");
        var (code, _, stderr) = await RunProcessAsync(start, timeout);
        if (code != 0)
        {
            throw new InvalidOperationException($"scripts/npm-ensure.sh tests/conformance failed: {stderr}");
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunProcessAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            await process.WaitForExitAsync(cts.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string FindConformanceDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "conformance");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/conformance not found above " + AppContext.BaseDirectory);
    }
}
