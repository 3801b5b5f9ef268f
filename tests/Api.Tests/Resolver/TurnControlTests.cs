using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Tests.Fixtures;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;

namespace AppSyncChat.Api.Tests.Resolver;

[Collection(DynaliteCollection.Name)]
public sealed class TurnControlTests(DynaliteFixture dynalite) : ResolverTestBase(dynalite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private async Task<(string C, string U, string A)> StartAsync(string text = "Hello", string crid = "start-1", string identity = ApiKey)
    {
        var result = await SendAsync(text, crid, identity: identity);
        return (result.GetProperty("conversationId").GetString()!, result.GetProperty("userMessageId").GetString()!, result.GetProperty("assistantMessageId").GetString()!);
    }

    [Fact]
    public async Task StopGeneration_StreamingTurn_RecordsCancelForTheWorker()
    {
        var (c, _, a) = await StartAsync();
        var lease = new TurnLease("w1", Clock.GetUtcNow().AddMinutes(1));
        await Store.ClaimAsync(c, a, 1, lease, None);

        var result = await StopAsync(c, a);

        Assert.True(result.GetProperty("accepted").GetBoolean());
        Assert.Equal("STREAMING", result.GetProperty("status").GetString());
        Assert.True(await Store.IsCancelRequestedAsync(c, a, None));

        // The worker notices, stops and stores CANCELLED with the partial text.
        await Store.FinishAsync(c, a, new TurnOutcome(MessageStatus.Cancelled, "Partial", 2, 1, null, null, null, TextChecksum.Of("Partial")), lease, None);
        var again = await StopAsync(c, a);
        Assert.False(again.GetProperty("accepted").GetBoolean());
        Assert.Equal("CANCELLED", again.GetProperty("status").GetString());
    }

    [Fact]
    public async Task StopGeneration_FinishedMessage_NoOpReturningItsStatus()
    {
        var (c, u, a) = await StartAsync();
        await CompleteAsync(c, a, "Done.");
        var before = await TableSnapshotAsync();

        var result = await StopAsync(c, a);
        var user = await StopAsync(c, u);

        Assert.Equal(("COMPLETED", false), (result.GetProperty("status").GetString(), result.GetProperty("accepted").GetBoolean()));
        Assert.Equal(("COMPLETED", false), (user.GetProperty("status").GetString(), user.GetProperty("accepted").GetBoolean()));
        Assert.Equal(before, await TableSnapshotAsync());
    }

    [Fact]
    public async Task StopGeneration_NoLiveWorker_CancelsAtOnceAndFreesConversation()
    {
        var (c, _, a) = await StartAsync();
        await Store.ClaimAsync(c, a, 1, new TurnLease("w1", Clock.GetUtcNow().AddSeconds(5)), None);
        Clock.Advance(TimeSpan.FromSeconds(6)); // the worker died; its lease expired

        var result = await StopAsync(c, a);

        Assert.Equal(("CANCELLED", true), (result.GetProperty("status").GetString(), result.GetProperty("accepted").GetBoolean()));
        Assert.Null((await Store.GetConversationAsync(c, None))!.ActiveMessageId);
        Assert.Equal(ClaimStatus.AlreadyFinal, (await Store.ClaimAsync(c, a, 2, new TurnLease("w2", Clock.GetUtcNow().AddMinutes(1)), None)).Status);
    }

    [Fact]
    public async Task StopGeneration_QueuedTurn_FlagSetForTheWorkerToFinish()
    {
        var (c, _, a) = await StartAsync();

        var result = await StopAsync(c, a);

        Assert.Equal(("QUEUED", true), (result.GetProperty("status").GetString(), result.GetProperty("accepted").GetBoolean()));
        var claim = await Store.ClaimAsync(c, a, 1, new TurnLease("w1", Clock.GetUtcNow().AddMinutes(1)), None);
        Assert.True(claim.Message!.CancelRequested);
    }

    [Fact]
    public async Task StopGeneration_OtherOwnerOrUnknownMessage_NotFoundAndNothingChanges()
    {
        var (c, _, a) = await StartAsync(identity: Alice);
        var before = await TableSnapshotAsync();

        await ExpectErrorAsync<NotFound>(() => StopAsync(c, a, Bob));
        await ExpectErrorAsync<NotFound>(() => StopAsync(c, a, ApiKey));
        await ExpectErrorAsync<NotFound>(() => StopAsync(c, "0000000000000000000000000000dead", Alice));

        Assert.Equal(before, await TableSnapshotAsync());
        Assert.False(await Store.IsCancelRequestedAsync(c, a, None));
    }

    [Fact]
    public async Task Regenerate_AfterAnswer_NewAssistantTurnForLastUserMessage()
    {
        var (c, u, a) = await StartAsync("Write a haiku");
        await CompleteAsync(c, a, "Old pond, a frog jumps");

        var result = await RegenerateAsync(c, "regen-1");

        var a2 = result.GetProperty("assistantMessageId").GetString()!;
        Assert.Equal(u, result.GetProperty("userMessageId").GetString());
        Assert.Equal(2, result.GetProperty("turn").GetInt32());
        Assert.True(string.CompareOrdinal(a, a2) < 0);
        var turn = SentTurns()[^1];
        Assert.Equal((a2, u, 2), (turn.AssistantMessageId, turn.UserMessageId, turn.Turn));
        var messages = await Store.GetMessagesAsync(c, null, None);
        Assert.Equal([Roles.User, Roles.Assistant, Roles.Assistant], messages.Select(m => m.Role));
        Assert.Equal(MessageStatus.Queued, messages[2].Status);

        // Idempotent like sendMessage.
        await RegenerateAsync(c, "regen-1");
        Assert.Equal(2, Sqs.Sent.Count);
    }

    [Fact]
    public async Task Regenerate_WhileTurnRuns_ConflictAndNothingStored()
    {
        var (c, _, _) = await StartAsync();
        var before = await TableSnapshotAsync();

        await ExpectErrorAsync<Conflict>(() => RegenerateAsync(c, "regen-2"));

        Assert.Equal(before, await TableSnapshotAsync());
        Assert.Single(Sqs.Sent);
    }

    [Fact]
    public async Task Regenerate_OtherOwner_NotFound()
    {
        var (c, _, a) = await StartAsync(identity: Alice);
        await CompleteAsync(c, a, "ok");

        await ExpectErrorAsync<NotFound>(() => RegenerateAsync(c, "regen-3", Bob));

        Assert.Single(Sqs.Sent);
    }
}
