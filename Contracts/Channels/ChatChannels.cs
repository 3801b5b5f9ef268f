namespace AppSyncChat.Contracts.Channels;

/// <summary>Channel paths of the AppSync Events API: namespace <c>chat</c>, one channel per conversation.</summary>
public static class ChatChannels
{
    public const string Namespace = "chat";

    /// <summary><c>/chat/&lt;conversationId&gt;</c>. Throws for an id a channel cannot carry.</summary>
    public static string ForConversation(string conversationId)
    {
        if (!ChannelIds.IsValid(conversationId))
        {
            throw new ArgumentException($"Conversation id {ChannelIds.Explain(conversationId)}.", nameof(conversationId));
        }

        return $"/{Namespace}/{conversationId}";
    }

    /// <summary>Every conversation channel, for a subscriber that watches all of them (wildcard).</summary>
    public const string AllConversations = "/" + Namespace + "/*";
}
