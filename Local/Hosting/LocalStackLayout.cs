namespace AppSyncChat.Local.Hosting;

/// <summary>Public view of where the stack finds the repository (for hosts that place files beside it).</summary>
public static class LocalStackLayout
{
    /// <summary>The repository root: <paramref name="root"/> when given, else found upwards from the app and the current folder.</summary>
    public static string RepositoryRoot(string? root = null) => RepositoryLayout.Locate(root).Root;
}
