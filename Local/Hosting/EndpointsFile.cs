namespace AppSyncChat.Local.Hosting;

/// <summary>Writes <c>.local/endpoints.json</c> atomically (temp file + rename), so readers never see half a file.</summary>
internal static class EndpointsFile
{
    public static async Task WriteAsync(string path, LocalStackEndpoints endpoints, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = $"{full}.{Environment.ProcessId}.tmp";
        await File.WriteAllTextAsync(temp, endpoints.ToJson() + "\n", cancellationToken).ConfigureAwait(false);
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Removes the file on shutdown, unless another stack has since replaced it.</summary>
    public static void DeleteIfOurs(string path, int processId)
    {
        try
        {
            if (!File.Exists(path))
            {
                return;
            }

            var current = LocalStackEndpoints.FromJson(File.ReadAllText(path));
            if (current.ProcessId == processId)
            {
                File.Delete(path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            // a stale or foreign file: leave it
        }
    }
}
