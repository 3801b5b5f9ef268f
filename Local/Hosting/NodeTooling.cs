using System.ComponentModel;
using System.Diagnostics;

namespace AppSyncChat.Local.Hosting;

/// <summary>Node.js checks and the sidecar's dependency install (the rule of <c>scripts/npm-ensure.sh</c>).</summary>
internal static class NodeTooling
{
    /// <summary>The stamp npm-ensure.sh writes: a copy of the lock file the installed tree came from.</summary>
    internal const string InstallStampName = ".appsyncchat-installed-lock.json";

    private const int MinimumMajorVersion = 20;

    /// <summary>Runs <c>node --version</c>; throws <see cref="LocalStackErrorCode.NodeMissing"/> when absent or too old.</summary>
    public static async Task<Version> CheckNodeAsync(string node, CancellationToken cancellationToken)
    {
        ProcessResult result;
        try
        {
            result = await RunAsync(node, ["--version"], workingDirectory: null, TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception)
        {
            throw LocalStackException.NodeMissing(node, "was not found");
        }

        var text = result.StandardOutput.Trim().TrimStart('v');
        if (result.ExitCode != 0 || !Version.TryParse(text, out var version))
        {
            throw LocalStackException.NodeMissing(node, $"did not report a version (exit code {result.ExitCode})");
        }

        if (version.Major < MinimumMajorVersion)
        {
            throw LocalStackException.NodeMissing(node, $"is version {version}");
        }

        return version;
    }

    /// <summary>True when <c>node_modules</c> is missing or was installed from another lock file.</summary>
    public static bool NeedsInstall(string directory)
    {
        var stamp = Path.Combine(directory, "node_modules", InstallStampName);
        var lockFile = Path.Combine(directory, "package-lock.json");
        if (!File.Exists(stamp))
        {
            return true;
        }

        return !File.ReadAllBytes(stamp).AsSpan().SequenceEqual(File.ReadAllBytes(lockFile));
    }

    /// <summary>
    /// <c>npm ci</c> in <paramref name="directory"/> when needed, under a lock file so parallel test runs
    /// do not install over each other. Returns true when it installed.
    /// </summary>
    public static async Task<bool> EnsureInstalledAsync(string directory, string node, Action<string> report, CancellationToken cancellationToken)
    {
        if (!NeedsInstall(directory))
        {
            return false;
        }

        var lockPath = Path.Combine(directory, ".npm-install.lock");
        using var installLock = await AcquireFileLockAsync(lockPath, cancellationToken).ConfigureAwait(false);
        if (!NeedsInstall(directory))
        {
            return false; // another process installed it while we waited
        }

        report($"Installing Node packages (npm ci in {directory}) …");
        var npm = NpmNextTo(node);
        ProcessResult result;
        try
        {
            result = await RunAsync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], directory, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            throw LocalStackException.NpmInstallFailed(directory, -1, $"'{npm}' could not be started: {ex.Message}");
        }

        if (result.ExitCode != 0)
        {
            throw LocalStackException.NpmInstallFailed(directory, result.ExitCode, result.StandardError + result.StandardOutput);
        }

        File.Copy(Path.Combine(directory, "package-lock.json"), Path.Combine(directory, "node_modules", InstallStampName), overwrite: true);
        return true;
    }

    /// <summary><c>npm</c> from the same folder as an explicit node path, else from PATH.</summary>
    internal static string NpmNextTo(string node)
    {
        if (Path.IsPathRooted(node))
        {
            var sibling = Path.Combine(Path.GetDirectoryName(node)!, "npm");
            if (File.Exists(sibling))
            {
                return sibling;
            }
        }

        return "npm";
    }

    internal static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

    internal static async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? workingDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new Win32Exception($"{fileName} did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
