using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;

namespace AppSyncChat.Client.Tests.Support;

/// <summary>The GraphQL API over a <see cref="FakeChatServer"/>, recording every call.</summary>
public sealed class FakeChatApi(FakeChatServer server) : IChatApi
{
    public FakeChatServer Server { get; } = server;

    public List<SendMessageInput> Sent { get; } = [];

    public List<CreateConversationInput> Created { get; } = [];

    /// <summary>Every call in order: "create", "send", "regenerate", "stop" (tests add their own entries, e.g. "subscribe").</summary>
    public List<string> Calls { get; } = [];

    public List<RegenerateInput> Regenerated { get; } = [];

    public List<StopGenerationInput> Stopped { get; } = [];

    /// <summary>Runs when sendMessage is called (e.g. publish the answer's events); throw to fail the mutation.</summary>
    public Action<SendMessageInput>? OnSend { get; set; }

    public Action<StopGenerationInput>? OnStop { get; set; }

    public Exception? FailAll { get; set; }

    public ConversationPage Page { get; set; } = new();

    public Task<Conversation?> GetConversationAsync(string conversationId, int? messageLimit, CancellationToken cancellationToken)
    {
        if (FailAll is not null)
        {
            return Task.FromException<Conversation?>(FailAll);
        }

        return Server.GetConversationAsync(conversationId, messageLimit, cancellationToken);
    }

    public Task<Conversation> CreateConversationAsync(CreateConversationInput input, CancellationToken cancellationToken)
    {
        Created.Add(input);
        lock (Calls)
        {
            Calls.Add("create");
        }

        if (FailAll is not null)
        {
            return Task.FromException<Conversation>(FailAll);
        }

        return Task.FromResult(new Conversation
        {
            ConversationId = FakeChatServer.ConversationId,
            Title = input.Title,
            Channel = ChatChannels.ForConversation(FakeChatServer.ConversationId),
            Settings = input.Settings is { } s
                ? new ModelSettings { ModelId = s.ModelId, MaxTokens = s.MaxTokens, Temperature = s.Temperature, TopP = s.TopP, SystemPrompt = s.SystemPrompt }
                : null,
        });
    }

    public Task<SendMessageResult> SendMessageAsync(SendMessageInput input, CancellationToken cancellationToken)
    {
        Sent.Add(input);
        lock (Calls)
        {
            Calls.Add("send");
        }

        if (FailAll is not null)
        {
            return Task.FromException<SendMessageResult>(FailAll);
        }

        OnSend?.Invoke(input);
        return Task.FromResult(Result());
    }

    public Task<SendMessageResult> RegenerateAsync(RegenerateInput input, CancellationToken cancellationToken)
    {
        Regenerated.Add(input);
        return FailAll is not null ? Task.FromException<SendMessageResult>(FailAll) : Task.FromResult(Result());
    }

    public Task<StopGenerationResult> StopGenerationAsync(StopGenerationInput input, CancellationToken cancellationToken)
    {
        Stopped.Add(input);
        if (FailAll is not null)
        {
            return Task.FromException<StopGenerationResult>(FailAll);
        }

        OnStop?.Invoke(input);
        return Task.FromResult(new StopGenerationResult { ConversationId = input.ConversationId, MessageId = input.MessageId, Status = MessageStatus.Streaming, Accepted = true });
    }

    public Task<ConversationPage> ListConversationsAsync(int? limit, string? nextToken, CancellationToken cancellationToken) =>
        FailAll is not null ? Task.FromException<ConversationPage>(FailAll) : Task.FromResult(Page);

    private SendMessageResult Result() => new()
    {
        ConversationId = FakeChatServer.ConversationId,
        UserMessageId = Server.Answer.UserMessageId,
        AssistantMessageId = Server.Answer.MessageId,
        Channel = ChatChannels.ForConversation(FakeChatServer.ConversationId),
        Turn = 1,
        Status = MessageStatus.Queued,
    };
}
