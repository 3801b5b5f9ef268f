using AppSyncChat.Api.Tests.Fixtures;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Conversations.Ids;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;

namespace AppSyncChat.Api.Tests.Conversations;

[Collection(DynaliteCollection.Name)]
public sealed class ConversationReadTests(DynaliteFixture dynalite) : StoreTestBase(dynalite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task LoadHistory_ManyTurns_KeepsNewestWithinMessageBudgetStartingWithUser()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "one");
        await CompleteAsync(c, a, "answer one");
        for (var i = 2; i <= 4; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            (_, _, a) = await SeedTurnAsync("alice", $"prompt {i}", c);
            if (i < 4)
            {
                await CompleteAsync(c, a, $"answer {i}");
            }
        }

        var history = await Store.LoadHistoryAsync(c, a, maxMessages: 4, maxCharacters: 10_000, None);

        // 4 messages newest first would start with an assistant answer; the history starts at a user message.
        Assert.Equal(["prompt 3", "answer 3", "prompt 4"], history.Select(m => m.Text));
    }

    [Fact]
    public async Task LoadHistory_CharacterBudget_DropsOldestMessages()
    {
        var (c, _, a) = await SeedTurnAsync("alice", new string('x', 100));
        await CompleteAsync(c, a, new string('y', 100));
        Clock.Advance(TimeSpan.FromSeconds(1));
        (_, _, a) = await SeedTurnAsync("alice", "short", c);

        var history = await Store.LoadHistoryAsync(c, a, maxMessages: 50, maxCharacters: 150, None);

        Assert.Equal(["short"], history.Select(m => m.Text));
    }

    [Fact]
    public async Task LoadHistory_AfterRegenerate_UsesOnlyLatestAnswerAndEndsWithThePrompt()
    {
        var (c, u1, a1) = await SeedTurnAsync("alice", "first");
        await CompleteAsync(c, a1, "first answer v1");
        // Regenerate of the first prompt: a second answer to u1.
        var a1b = MessageIds.NewAfter(Clock.GetUtcNow(), a1);
        Assert.Equal(StartTurnStatus.Started, (await Store.StartTurnAsync(new StartTurnCommand(c, "alice", false, a1b, null, null), None)).Status);
        await Store.PutMessageIfAbsentAsync(Message(c, a1b, Roles.Assistant, string.Empty, MessageStatus.Queued, u1), None);
        // History for the regenerated answer: the prompt only, not the first answer.
        Assert.Equal(["first"], (await Store.LoadHistoryAsync(c, a1b, 10, 10_000, None)).Select(m => m.Text));
        await CompleteAsync(c, a1b, "first answer v2");
        Clock.Advance(TimeSpan.FromSeconds(1));
        var (_, _, a2) = await SeedTurnAsync("alice", "second", c);

        var history = await Store.LoadHistoryAsync(c, a2, 10, 10_000, None);

        Assert.Equal(["first", "first answer v2", "second"], history.Select(m => m.Text));
    }

    [Fact]
    public async Task GetMessages_WithLimit_ReturnsNewestOldestFirst()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "one");
        await CompleteAsync(c, a, "answer one");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await SeedTurnAsync("alice", "two", c);

        var all = await Store.GetMessagesAsync(c, null, None);
        var newest = await Store.GetMessagesAsync(c, 2, None);

        Assert.Equal(["one", "answer one", "two", ""], all.Select(m => m.Text));
        Assert.Equal(["two", ""], newest.Select(m => m.Text));
        Assert.Equal([Roles.User, Roles.Assistant], newest.Select(m => m.Role));
    }

    [Fact]
    public async Task ListConversations_Paged_NewestFirstWithoutGapsOrRepeats()
    {
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            created.Add((await SeedTurnAsync("alice", $"conversation {i}")).ConversationId);
        }

        await SeedTurnAsync("bob", "not alice's");

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.ListConversationsAsync("alice", 3, token, None);
            Assert.InRange(page.Items.Count, 1, 3);
            seen.AddRange(page.Items.Select(s => s.ConversationId));
            token = page.NextToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(created), seen);
    }

    [Fact]
    public async Task ListConversations_ExactMultipleOfLimit_LastPageHasNoToken()
    {
        for (var i = 0; i < 2; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            await SeedTurnAsync("alice", $"c{i}");
        }

        var page = await Store.ListConversationsAsync("alice", 2, null, None);

        Assert.Equal(2, page.Items.Count);
        Assert.Null(page.NextToken);
    }

    [Fact]
    public async Task ListConversations_ActivityMovesConversationToTheFront()
    {
        var (first, _, a) = await SeedTurnAsync("alice", "first");
        await CompleteAsync(first, a, "ok");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await SeedTurnAsync("alice", "second");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await SeedTurnAsync("alice", "again", first);

        var page = await Store.ListConversationsAsync("alice", 10, null, None);

        Assert.Equal(first, page.Items[0].ConversationId);
        Assert.Equal("again", page.Items[0].LastMessagePreview);
        Assert.Equal("Title first", page.Items[0].Title);
    }

    [Fact]
    public async Task ListConversations_ForeignOrGarbageToken_RejectedOrScopedToCaller()
    {
        for (var i = 0; i < 3; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            await SeedTurnAsync("bob", $"b{i}");
        }

        var bobsToken = (await Store.ListConversationsAsync("bob", 1, null, None)).NextToken;
        Assert.NotNull(bobsToken);

        // The token carries a position only: alice using bob's token still reads alice's (empty) list.
        Assert.Empty((await Store.ListConversationsAsync("alice", 10, bobsToken, None)).Items);
        await Assert.ThrowsAsync<InvalidPageTokenException>(() => Store.ListConversationsAsync("alice", 10, "not-a-token", None));
        await Assert.ThrowsAsync<InvalidPageTokenException>(() => Store.ListConversationsAsync("alice", 10, "djF8eHx5", None));
    }

    [Fact]
    public async Task StartTurn_BusyForeignOrStaleIds_Refused()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello");
        var next = MessageIds.NewAfter(Clock.GetUtcNow(), a);

        var busy = await Store.StartTurnAsync(new StartTurnCommand(c, "alice", false, next, null, null), None);
        var foreign = await Store.StartTurnAsync(new StartTurnCommand(c, "mallory", false, next, null, null), None);
        await CompleteAsync(c, a, "ok");
        var stale = await Store.StartTurnAsync(new StartTurnCommand(c, "alice", false, "000000000001" + new string('0', 20), null, null), None);

        Assert.Equal((StartTurnStatus.Busy, a), (busy.Status, busy.Conversation!.ActiveMessageId));
        Assert.Equal(StartTurnStatus.NotFound, foreign.Status);
        Assert.Equal(StartTurnStatus.IdsTooOld, stale.Status);
    }
}
