using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Conversations.Model;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using StoredMessage = AppSyncChat.Conversations.Model.ChatMessage;

namespace AppSyncChat.Worker.Turns;

/// <summary>Turns stored history into the model's message list (Bedrock's rules: starts with a user message, roles alternate).</summary>
internal static class ConversationPrompt
{
    /// <summary>
    /// The model messages for a turn, or null when there is no user message to answer. Empty and failed
    /// messages are skipped; consecutive messages of one role are joined (a cancelled answer followed by a
    /// new question is fine; two user messages in a row become one).
    /// </summary>
    public static List<AiChatMessage>? Build(IReadOnlyList<StoredMessage> history, ModelSettings? settings, string? continuePrefix)
    {
        var messages = new List<AiChatMessage>(history.Count + 2);
        if (!string.IsNullOrWhiteSpace(settings?.SystemPrompt))
        {
            messages.Add(new AiChatMessage(ChatRole.System, settings.SystemPrompt));
        }

        var firstTurn = messages.Count;
        foreach (var message in history)
        {
            if (string.IsNullOrWhiteSpace(message.Text))
            {
                continue;
            }

            ChatRole role;
            if (message.Role == Roles.User)
            {
                role = ChatRole.User;
            }
            else if (message.Role == Roles.Assistant && message.Status != MessageStatus.Failed)
            {
                role = ChatRole.Assistant;
            }
            else
            {
                continue;
            }

            if (messages.Count == firstTurn && role != ChatRole.User)
            {
                continue;
            }

            if (messages.Count > firstTurn && messages[^1].Role == role)
            {
                messages[^1] = new AiChatMessage(role, messages[^1].Text + "\n\n" + message.Text);
            }
            else
            {
                messages.Add(new AiChatMessage(role, message.Text));
            }
        }

        if (messages.Count == firstTurn || messages[^1].Role != ChatRole.User)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(continuePrefix))
        {
            messages.Add(new AiChatMessage(ChatRole.Assistant, continuePrefix));
        }

        return messages;
    }

    /// <summary>
    /// The part of a stored partial answer a continuing worker keeps: models reject an assistant prefill
    /// that ends in whitespace, so trailing whitespace is dropped (clients truncate to the kept length).
    /// </summary>
    public static string ContinuablePrefix(string partial)
    {
        var kept = partial.AsSpan().TrimEnd();
        if (kept.Length > 0 && char.IsHighSurrogate(kept[^1]))
        {
            kept = kept[..^1];
        }

        return kept.ToString();
    }
}
