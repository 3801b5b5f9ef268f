namespace AppSyncChat.Contracts;

/// <summary>The GraphQL schema (<c>schema.graphql</c>), embedded so every process serves the same text.</summary>
public static class Schema
{
    public static string ReadText()
    {
        using var stream = typeof(Schema).Assembly.GetManifestResourceStream("AppSyncChat.Contracts.schema.graphql")
            ?? throw new InvalidOperationException("schema.graphql is not embedded in AppSyncChat.Contracts.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
