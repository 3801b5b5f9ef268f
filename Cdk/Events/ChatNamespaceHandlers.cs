using System.Globalization;
using System.Text;
using System.Text.Json;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Table;

namespace AppSyncChat.Cdk.Events;

/// <summary>
/// The APPSYNC_JS code of the <c>chat</c> namespace: <c>chat-namespace-handlers.js</c> (embedded) with the
/// table and owner constants prepended, so the handler reads the same keys and owner ids the Api writes.
/// </summary>
public static class ChatNamespaceHandlers
{
    private const string ResourceName = "AppSyncChat.Cdk.Events.chat-namespace-handlers.js";

    public static string Build()
    {
        var constants = new (string Name, string Value)[]
        {
            ("PK_ATTRIBUTE", TableNames.PartitionKey),
            ("SK_ATTRIBUTE", TableNames.SortKey),
            ("CONVERSATION_PREFIX", TableNames.ConversationPrefix),
            ("CONVERSATION_SORT_KEY", TableNames.ConversationSortKey),
            ("OWNER_ATTRIBUTE", TableNames.OwnerId),
            ("COGNITO_OWNER_PREFIX", OwnerIds.UserPrefix),
            ("API_KEY_OWNER", OwnerIds.Anonymous),
        };

        var body = ReadBody();
        var header = new StringBuilder();
        foreach (var (name, value) in constants)
        {
            header.Append(CultureInfo.InvariantCulture, $"const {name} = {JsonSerializer.Serialize(value)};\n");
        }

        // Imports must stay first in an ES module: put the constants after the import block.
        var lines = body.Split('\n');
        var lastImport = Array.FindLastIndex(lines, line => line.StartsWith("import ", StringComparison.Ordinal));
        if (lastImport < 0)
        {
            throw new InvalidOperationException("chat-namespace-handlers.js has no import block.");
        }

        return string.Join('\n', lines.Take(lastImport + 1)) + "\n" + header + string.Join('\n', lines.Skip(lastImport + 1));
    }

    private static string ReadBody()
    {
        using var stream = typeof(ChatNamespaceHandlers).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in the Cdk assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
