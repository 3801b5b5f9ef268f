namespace AppSyncChat.Cdk.Tests;

/// <summary>The repository checkout the tests run from (for scripts that live beside the sources).</summary>
public static class Repository
{
    public static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AppSyncChat.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("AppSyncChat.sln not found above the test output folder.");
    }
}
