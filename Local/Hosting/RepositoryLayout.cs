namespace AppSyncChat.Local.Hosting;

/// <summary>The files of the repository the stack needs at run time.</summary>
internal sealed record RepositoryLayout(string Root)
{
    public string SchemaPath => Path.Combine(Root, "Contracts", "schema.graphql");

    public string SidecarDirectory => Path.Combine(Root, "Local", "sidecar");

    /// <summary>The React chat app (<c>web/app</c>); the sidecar serves its build (<c>dist</c>) at <c>/app/</c>.</summary>
    public string WebAppDirectory => Path.Combine(Root, "web", "app");

    /// <summary>The TypeScript client package the app is built from (<c>web/client</c>).</summary>
    public string WebClientDirectory => Path.Combine(Root, "web", "client");

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
