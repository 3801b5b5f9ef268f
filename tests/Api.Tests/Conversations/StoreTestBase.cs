using Amazon.DynamoDBv2;
using AppSyncChat.Api.Tests.Fixtures;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Conversations.Ids;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Testing;

namespace AppSyncChat.Api.Tests.Conversations;

/// <summary>A fresh table per test, a manual clock, and helpers that seed turns through the store's own API.</summary>
public abstract class StoreTestBase(DynaliteFixture dynalite) : IAsyncLifetime
{
    protected DynaliteFixture Dynalite { get; } = dynalite;

    protected ManualTimeProvider Clock { get; } = new();

    protected AmazonDynamoDBClient Client { get; private set; } = null!;

    protected string TableName { get; private set; } = string.Empty;

    protected DynamoConversationStore Store { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Client = Dynalite.CreateClient();
        TableName = await Dynalite.CreateTableAsync(Client);
        Store = new DynamoConversationStore(Client, new ConversationStoreOptions(TableName), Clock);
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Creates (or continues) a conversation with a user message and a QUEUED assistant message.</summary>
    protected async Task<(string ConversationId, string UserMessageId, string AssistantMessageId)> SeedTurnAsync(
        string owner, string text, string? conversationId = null)
    {
        var existing = conversationId is null ? null : await Store.GetConversationAsync(conversationId, CancellationToken.None);
        var id = conversationId ?? ChannelIds.NewId();
        var now = Clock.GetUtcNow();
        var userId = MessageIds.NewAfter(now, existing?.LastMessageId);
        var assistantId = MessageIds.NewAfter(now, userId);
        var started = await Store.StartTurnAsync(new StartTurnCommand(id, owner, conversationId is null, assistantId, "Title " + text, text), CancellationToken.None);
        Assert.Equal(StartTurnStatus.Started, started.Status);
        Assert.True(await Store.PutMessageIfAbsentAsync(Message(id, userId, Roles.User, text, MessageStatus.Completed, null), CancellationToken.None));
        Assert.True(await Store.PutMessageIfAbsentAsync(Message(id, assistantId, Roles.Assistant, string.Empty, MessageStatus.Queued, userId), CancellationToken.None));
        return (id, userId, assistantId);
    }

    protected ChatMessage Message(string conversationId, string messageId, string role, string text, string status, string? userMessageId) => new()
    {
        ConversationId = conversationId,
        MessageId = messageId,
        Role = role,
        Text = text,
        Status = status,
        CreatedAt = Clock.GetUtcNow(),
        UpdatedAt = Clock.GetUtcNow(),
        UserMessageId = userMessageId,
    };

    /// <summary>Runs a whole turn to COMPLETED with the given answer.</summary>
    protected async Task CompleteAsync(string conversationId, string assistantId, string answer)
    {
        var lease = new TurnLease("worker-" + Guid.NewGuid().ToString("N")[..6], Clock.GetUtcNow().AddMinutes(5));
        var claim = await Store.ClaimAsync(conversationId, assistantId, 1, lease, CancellationToken.None);
        Assert.Equal(ClaimStatus.Claimed, claim.Status);
        Assert.True(await Store.FinishAsync(conversationId, assistantId, Outcome(MessageStatus.Completed, answer), lease, CancellationToken.None));
    }

    protected static TurnOutcome Outcome(string status, string text) => new(
        status, text, 3, 1, status == MessageStatus.Completed ? "end_turn" : null,
        new AppSyncChat.Contracts.Streaming.TokenUsage(10, 20, 30), null, AppSyncChat.Contracts.Streaming.TextChecksum.Of(text));
}
