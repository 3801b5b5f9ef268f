namespace AppSyncChat.Testing;

/// <summary>The repository checkout the tests run from (for scripts, Node packages and resources beside the sources).</summary>
public static class TestRepository
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    /// <summary>The first folder above the test output that holds <c>AppSyncChat.sln</c>.</summary>
    public static string Root => RootDirectory.Value;

    /// <summary>The folder of an npm package installed in <c>Local/sidecar/node_modules</c>.</summary>
    public static string SidecarPackage(string name) => Path.Combine(Root, "Local", "sidecar", "node_modules", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AppSyncChat.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root (AppSyncChat.sln) not found above " + AppContext.BaseDirectory);
    }
}
