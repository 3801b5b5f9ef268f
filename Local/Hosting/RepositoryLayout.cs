namespace AppSyncChat.Local.Hosting;

/// <summary>The files of the repository the stack needs at run time.</summary>
internal sealed record RepositoryLayout(string Root)
{
    public string SchemaPath => Path.Combine(Root, "Contracts", "schema.graphql");

    public string SidecarDirectory => Path.Combine(Root, "Local", "sidecar");

    public string DefaultEndpointsFile => Path.Combine(Root, LocalDefaults.EndpointsFileRelativePath);

    /// <summary>The given root, or the first folder upwards from the app's folder, then the current folder, that holds both the schema and the sidecar.</summary>
    public static RepositoryLayout Locate(string? root)
    {
        if (root is not null)
        {
            var layout = new RepositoryLayout(Path.GetFullPath(root));
            return layout.IsComplete()
                ? layout
                : throw LocalStackException.LayoutNotFound("Contracts/schema.graphql and Local/sidecar/package.json", layout.Root);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = new RepositoryLayout(dir.FullName);
                if (candidate.IsComplete())
                {
                    return candidate;
                }
            }
        }

        throw LocalStackException.LayoutNotFound("Contracts/schema.graphql and Local/sidecar/package.json", $"{AppContext.BaseDirectory} and {Environment.CurrentDirectory}");
    }

    private bool IsComplete() =>
        File.Exists(SchemaPath) && File.Exists(Path.Combine(SidecarDirectory, "package.json")) && File.Exists(Path.Combine(SidecarDirectory, "sidecar.mjs"));
}
