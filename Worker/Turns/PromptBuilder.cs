using AppSyncChat.Conversations.Store;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Tools;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Step 2 of a turn: what the model is asked — the stored history (bounded by <see cref="TurnOptions.HistoryMaxMessages"/>
/// and <see cref="TurnOptions.HistoryMaxCharacters"/>) as model messages (<see cref="ConversationPrompt"/>), and the
/// request's settings and the tools as the call's options — tools only for a model that supports tool use
/// (<see cref="ToolUseSupport"/>).
/// </summary>
internal sealed class PromptBuilder(ITurnStore store, ToolRegistry tools, TurnOptions options)
{
    /// <summary>The prompt of <paramref name="turn"/>, or null when the conversation has no user message to answer.</summary>
    public async Task<ModelPrompt?> BuildAsync(ClaimedTurn turn, string modelId, CancellationToken cancellationToken)
    {
        var id = turn.Id;
        var history = await store.LoadHistoryAsync(id.ConversationId, id.MessageId, options.HistoryMaxMessages, options.HistoryMaxCharacters, cancellationToken).ConfigureAwait(false);
        var messages = ConversationPrompt.Build(history, turn.Request.Settings, turn.StartText);
        if (messages is null)
        {
            return null;
        }

        var settings = turn.Request.Settings;
        var chatOptions = new ChatOptions
        {
            ModelId = modelId,
            MaxOutputTokens = settings?.MaxTokens ?? options.ModelMaxTokens,
            Temperature = settings?.Temperature,
            TopP = settings?.TopP,
        };
        if (tools.Count > 0 && ToolUseSupport.Supports(modelId))
        {
            chatOptions.Tools = [.. tools.Declarations];
            chatOptions.ToolMode = ChatToolMode.Auto;
        }

        return new ModelPrompt(messages, chatOptions);
    }
}

/// <summary>The model's messages (the tool rounds append to them) and the call's options.</summary>
internal sealed record ModelPrompt(List<AiChatMessage> Messages, ChatOptions Options);
