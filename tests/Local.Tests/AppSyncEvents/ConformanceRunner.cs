using System.Diagnostics;
using System.Text;
using AppSyncChat.Testing;

namespace AppSyncChat.Local.Tests.AppSyncEvents;

/// <summary>Runs a Node conformance script from <c>tests/conformance</c> (after <c>scripts/npm-ensure.sh</c>) and kills it on timeout.</summary>
internal static class ConformanceRunner
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool _installed;

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>The last stdout line: the script's JSON report.</summary>
        public string Report => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
    }

    public static async Task<Result> RunAsync(string script, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        await EnsureInstalledAsync();
        var conformance = Path.Combine(TestRepository.Root, "tests", "conformance");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = conformance,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(conformance, script));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return await RunProcessAsync(start, timeout);
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (_installed)
            {
                return;
            }

            var start = new ProcessStartInfo("bash")
            {
                WorkingDirectory = TestRepository.Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("scripts/npm-ensure.sh");
            start.ArgumentList.Add("tests/conformance");
            var result = await RunProcessAsync(start, TimeSpan.FromMinutes(5));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"scripts/npm-ensure.sh tests/conformance failed ({result.ExitCode}): {result.Stderr}");
            }

            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<Result> RunProcessAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        if (start.RedirectStandardInput)
        {
            process.StandardInput.Close();
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readOut = Task.Run(async () => stdout.Append(await process.StandardOutput.ReadToEndAsync()));
        var readErr = Task.Run(async () => stderr.Append(await process.StandardError.ReadToEndAsync()));
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAll(readOut, readErr);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}. stdout: {stdout} stderr: {stderr}");
        }

        await Task.WhenAll(readOut, readErr);
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
