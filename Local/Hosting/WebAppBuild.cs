using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;

namespace AppSyncChat.Local.Hosting;

/// <summary>
/// Builds the web chat app (<c>web/app</c>: <c>npm ci</c> when its lock file changed, then <c>vite build</c>) when
/// its inputs changed since the last build: the app's sources, its lock file and configuration, and the sources
/// of the client package it is built from (<c>web/client/src</c>). A stamp in <c>dist</c> records the inputs'
/// hash, so an unchanged app costs one hash of a few dozen files at start-up.
/// </summary>
internal static class WebAppBuild
{
    internal const string StampName = ".appsyncchat-build-stamp";

    /// <summary>Builds when needed; returns true when it built. No-op when the repository has no web app.</summary>
    public static async Task<bool> EnsureBuiltAsync(RepositoryLayout layout, string node, Action<string> report, CancellationToken cancellationToken)
    {
        var app = layout.WebAppDirectory;
        if (!File.Exists(Path.Combine(app, "package.json")))
        {
            return false;
        }

        var stampPath = Path.Combine(app, "dist", StampName);
        var hash = InputsHash(layout);
        if (File.Exists(stampPath) && File.ReadAllText(stampPath).Trim() == hash)
        {
            return false;
        }

        using var buildLock = await NodeTooling.AcquireFileLockAsync(Path.Combine(app, ".build.lock"), cancellationToken).ConfigureAwait(false);
        if (File.Exists(stampPath) && File.ReadAllText(stampPath).Trim() == hash)
        {
            return false; // another process built it while we waited
        }

        await NodeTooling.EnsureInstalledAsync(app, node, report, cancellationToken).ConfigureAwait(false);
        report($"Building the web chat app (vite build in {app}) …");
        var npm = NodeTooling.NpmNextTo(node);
        NodeTooling.ProcessResult result;
        try
        {
            result = await NodeTooling.RunAsync(npm, ["run", "build", "--silent"], app, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            throw LocalStackException.NpmInstallFailed(app, -1, $"'{npm} run build' could not be started: {ex.Message}");
        }

        if (result.ExitCode != 0)
        {
            throw LocalStackException.NpmInstallFailed(app, result.ExitCode, $"'npm run build' failed (start with --no-web-app to skip the web app).{Environment.NewLine}{result.StandardError}{result.StandardOutput}");
        }

        File.WriteAllText(stampPath, hash + "\n");
        return true;
    }

    /// <summary>SHA-256 over the relative path and content of every input file, in ordinal order.</summary>
    internal static string InputsHash(RepositoryLayout layout)
    {
        var app = layout.WebAppDirectory;
        var files = new List<string>();
        foreach (var name in new[] { "package.json", "package-lock.json", "index.html", "vite.config.ts", "tsconfig.json" })
        {
            var path = Path.Combine(app, name);
            if (File.Exists(path))
            {
                files.Add(path);
            }
        }

        foreach (var dir in new[] { Path.Combine(app, "src"), Path.Combine(app, "public"), Path.Combine(layout.WebClientDirectory, "src") })
        {
            if (Directory.Exists(dir))
            {
                files.AddRange(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories));
            }
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.Select(f => Path.GetRelativePath(layout.Root, f).Replace('\\', '/')).Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\n"));
            sha.AppendData(File.ReadAllBytes(Path.Combine(layout.Root, file)));
            sha.AppendData("\n"u8);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
