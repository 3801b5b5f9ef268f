using Amazon.DynamoDBv2.Model;
using AppSyncChat.Api.Tests.Fixtures;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;

namespace AppSyncChat.Api.Tests.Conversations;

[Collection(DynaliteCollection.Name)]
public sealed class TurnStoreTests(DynaliteFixture dynalite) : StoreTestBase(dynalite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private TurnLease Lease(string owner, TimeSpan duration) => new(owner, Clock.GetUtcNow() + duration);

    [Fact]
    public async Task Claim_QueuedMessage_MovesToStreamingWithLease()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        var lease = Lease("w1", TimeSpan.FromMinutes(1));

        var claim = await Store.ClaimAsync(c, a, 1, lease, None);

        Assert.Equal(ClaimStatus.Claimed, claim.Status);
        Assert.Equal(MessageStatus.Streaming, claim.Message!.Status);
        Assert.Equal(lease, claim.Message.Lease);
        var stored = await Store.GetMessageAsync(c, a, None);
        Assert.Equal(MessageStatus.Streaming, stored!.Status);
        Assert.Equal("w1", stored.Lease!.Owner);
    }

    [Fact]
    public async Task Claim_TwoAtOnce_ExactlyOneWins()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");

        var results = await Task.WhenAll(
            Store.ClaimAsync(c, a, 1, Lease("w1", TimeSpan.FromMinutes(1)), None),
            Store.ClaimAsync(c, a, 1, Lease("w2", TimeSpan.FromMinutes(1)), None));

        Assert.Single(results, r => r.Status == ClaimStatus.Claimed);
        Assert.Single(results, r => r.Status == ClaimStatus.LeaseHeld);
        var winner = results.Single(r => r.Status == ClaimStatus.Claimed).Message!.Lease!.Owner;
        Assert.Equal(winner, (await Store.GetMessageAsync(c, a, None))!.Lease!.Owner);
    }

    [Fact]
    public async Task Claim_DuplicateDeliveryWithLiveLease_LeaseHeldAndNothingChanges()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        var first = Lease("w1", TimeSpan.FromMinutes(1));
        await Store.ClaimAsync(c, a, 1, first, None);
        Clock.Advance(TimeSpan.FromSeconds(59));

        var duplicate = await Store.ClaimAsync(c, a, 1, Lease("w2", TimeSpan.FromMinutes(1)), None);

        Assert.Equal(ClaimStatus.LeaseHeld, duplicate.Status);
        Assert.Equal(first, (await Store.GetMessageAsync(c, a, None))!.Lease);
    }

    [Fact]
    public async Task Claim_ExpiredLease_TakesOverAndOldHolderIsRefused()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        var crashed = Lease("w1", TimeSpan.FromSeconds(30));
        await Store.ClaimAsync(c, a, 1, crashed, None);
        Assert.True(await Store.CheckpointAsync(c, a, new Checkpoint("Partial ans", 4, 1), crashed, None));
        Clock.Advance(TimeSpan.FromSeconds(31));
        var next = Lease("w2", TimeSpan.FromMinutes(1));

        var takeover = await Store.ClaimAsync(c, a, 2, next, None);

        Assert.Equal(ClaimStatus.TakenOver, takeover.Status);
        Assert.Equal("Partial ans", takeover.Message!.Text);
        Assert.Equal(4, takeover.Message.Seq);
        Assert.Equal(1, takeover.Message.Turn); // the attempt that wrote the partial text; the new holder picks the next number
        Assert.False(await Store.CheckpointAsync(c, a, new Checkpoint("Partial answer from a zombie", 9, 1), crashed, None));
        Assert.False(await Store.FinishAsync(c, a, Outcome(MessageStatus.Completed, "zombie"), crashed, None));
        Assert.True(await Store.CheckpointAsync(c, a, new Checkpoint("Partial answer", 5, 2), next, None));
        var stored = await Store.GetMessageAsync(c, a, None);
        Assert.Equal("Partial answer", stored!.Text);
        Assert.Equal(2, stored.Turn);
        Assert.Equal("w2", stored.Lease!.Owner);
    }

    [Fact]
    public async Task Claim_TwoTakeoversAtOnce_ExactlyOneWins()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        await Store.ClaimAsync(c, a, 1, Lease("w1", TimeSpan.FromSeconds(10)), None);
        Clock.Advance(TimeSpan.FromSeconds(11));

        var results = await Task.WhenAll(
            Store.ClaimAsync(c, a, 2, Lease("w2", TimeSpan.FromMinutes(1)), None),
            Store.ClaimAsync(c, a, 2, Lease("w3", TimeSpan.FromMinutes(1)), None));

        Assert.Single(results, r => r.Status == ClaimStatus.TakenOver);
        Assert.Single(results, r => r.Status == ClaimStatus.LeaseHeld);
    }

    [Fact]
    public async Task Finish_WithLease_StoresFinalStateAndFreesConversation()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        var lease = Lease("w1", TimeSpan.FromMinutes(1));
        await Store.ClaimAsync(c, a, 1, lease, None);
        Assert.Equal(a, (await Store.GetConversationAsync(c, None))!.ActiveMessageId);

        Assert.True(await Store.FinishAsync(c, a, Outcome(MessageStatus.Completed, "General Kenobi."), lease, None));

        var stored = await Store.GetMessageAsync(c, a, None);
        Assert.Equal(MessageStatus.Completed, stored!.Status);
        Assert.Equal("General Kenobi.", stored.Text);
        Assert.Equal(TextChecksum.Of("General Kenobi."), stored.Checksum);
        Assert.Equal(new TokenUsage(10, 20, 30), stored.Usage);
        Assert.Equal("end_turn", stored.StopReason);
        Assert.Null(stored.Lease);
        var conversation = await Store.GetConversationAsync(c, None);
        Assert.Null(conversation!.ActiveMessageId);
        Assert.Equal("General Kenobi.", conversation.LastMessagePreview);
    }

    [Fact]
    public async Task Finish_RetriedAfterItsSecondWriteFailed_RecognisesItsOwnWrite_AndFreesTheConversation()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        var lease = Lease("w1", TimeSpan.FromMinutes(1));
        await Store.ClaimAsync(c, a, 1, lease, None);
        using var flaky = new ConversationWriteFailingClient(Dynalite.ServiceUrl);
        var store = new DynamoConversationStore(flaky, new ConversationStoreOptions(TableName), Clock);
        var outcome = Outcome(MessageStatus.Completed, "General Kenobi.");

        // The message write lands, the conversation write fails: the caller learns that only the release failed
        // (the end is stored and may be announced) and retries.
        flaky.FailNextConversationWrite = true;
        var notReleased = await Assert.ThrowsAsync<ConversationNotReleasedException>(() => store.FinishAsync(c, a, outcome, lease, None));
        Assert.IsType<ProvisionedThroughputExceededException>(notReleased.InnerException);
        Assert.Equal(MessageStatus.Completed, (await Store.GetMessageAsync(c, a, None))!.Status);
        Assert.Equal(a, (await Store.GetConversationAsync(c, None))!.ActiveMessageId);

        Assert.True(await store.FinishAsync(c, a, outcome, lease, None));

        Assert.Null((await Store.GetConversationAsync(c, None))!.ActiveMessageId);
        var stored = await Store.GetMessageAsync(c, a, None);
        Assert.Equal(("General Kenobi.", MessageStatus.Completed), (stored!.Text, stored.Status));
    }

    [Fact]
    public async Task Finish_OfAnotherLeaseAfterAFinish_IsStillRefused()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        var lease = Lease("w1", TimeSpan.FromMinutes(1));
        await Store.ClaimAsync(c, a, 1, lease, None);
        Assert.True(await Store.FinishAsync(c, a, Outcome(MessageStatus.Completed, "Mine."), lease, None));

        Assert.False(await Store.FinishAsync(c, a, Outcome(MessageStatus.Completed, "Zombie."), Lease("w1", TimeSpan.FromMinutes(2)), None));
        Assert.False(await Store.FinishAsync(c, a, Outcome(MessageStatus.Completed, "Zombie."), new TurnLease("w2", lease.ExpiresAt), None));
        Assert.Equal("Mine.", (await Store.GetMessageAsync(c, a, None))!.Text);
    }

    /// <summary>A DynamoDB client whose next update of a conversation item (SK = META) fails like a throttled write.</summary>
    private sealed class ConversationWriteFailingClient(string serviceUrl) : Amazon.DynamoDBv2.AmazonDynamoDBClient(
        new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        new Amazon.DynamoDBv2.AmazonDynamoDBConfig { ServiceURL = serviceUrl, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 })
    {
        public volatile bool FailNextConversationWrite;

        public override Task<Amazon.DynamoDBv2.Model.UpdateItemResponse> UpdateItemAsync(Amazon.DynamoDBv2.Model.UpdateItemRequest request, CancellationToken cancellationToken = default)
        {
            if (FailNextConversationWrite && request.Key.TryGetValue("SK", out var sk) && sk.S == "META")
            {
                FailNextConversationWrite = false;
                throw new ProvisionedThroughputExceededException("Injected: the conversation write failed.");
            }

            return base.UpdateItemAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task AnAnswerAtTheTextCap_FitsTheItem_WithTheLargestSettings_AndPastTheItemLimitItWouldNot()
    {
        var (c, u, _) = await SeedTurnAsync("alice", "Hello there");
        // A second assistant message carrying the largest settings the Api accepts (3 UTF-8 bytes per character).
        var a = AppSyncChat.Conversations.Ids.MessageIds.NewAfter(Clock.GetUtcNow(), (await Store.GetConversationAsync(c, None))!.LastMessageId);
        var settings = new AppSyncChat.Contracts.Queue.ModelSettings
        {
            ModelId = new string('m', 256),
            MaxTokens = 65_536,
            Temperature = 1,
            TopP = 1,
            SystemPrompt = new string('€', 10_000),
        };
        Assert.True(await Store.PutMessageIfAbsentAsync(Message(c, a, Roles.Assistant, string.Empty, MessageStatus.Queued, u) with { Settings = settings }, None));
        var lease = Lease(new string('w', 60), TimeSpan.FromMinutes(1));
        Assert.Equal(ClaimStatus.Claimed, (await Store.ClaimAsync(c, a, 1, lease, None)).Status);

        // Past the item limit a write fails: the limit is real in the table the tests use.
        var tooLarge = new string('x', 400 * 1024);
        await Assert.ThrowsAnyAsync<Amazon.DynamoDBv2.AmazonDynamoDBException>(() => Store.CheckpointAsync(c, a, new Checkpoint(tooLarge, 1, 1), lease, None));

        // The cap, in 2-byte characters plus a little, with every other attribute at its largest.
        var text = new string('é', AppSyncChat.Conversations.Table.ItemLimits.MaxMessageTextBytes / 2);
        Assert.Equal(AppSyncChat.Conversations.Table.ItemLimits.MaxMessageTextBytes, System.Text.Encoding.UTF8.GetByteCount(text));
        Assert.True(await Store.CheckpointAsync(c, a, new Checkpoint(text, 999_999, 1), lease, None));
        var outcome = new TurnOutcome(MessageStatus.Interrupted, text, 1_000_000, 1, "max_tokens", new TokenUsage(int.MaxValue, int.MaxValue, int.MaxValue),
            new MessageError("AnswerTooLarge", new string('e', 500), false), TextChecksum.Of(text));
        Assert.True(await Store.FinishAsync(c, a, outcome, lease, None));
        Assert.Equal(text, (await Store.GetMessageAsync(c, a, None))!.Text);
    }

    [Fact]
    public async Task Finish_Failed_StoresErrorAndKeepsPartialText()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        var lease = Lease("w1", TimeSpan.FromMinutes(1));
        await Store.ClaimAsync(c, a, 1, lease, None);
        var outcome = new TurnOutcome(MessageStatus.Interrupted, "Half an", 2, 1, null, null, new MessageError("ModelStreamError", "The model stream broke.", true), TextChecksum.Of("Half an"));

        Assert.True(await Store.FinishAsync(c, a, outcome, lease, None));

        var stored = await Store.GetMessageAsync(c, a, None);
        Assert.Equal(MessageStatus.Interrupted, stored!.Status);
        Assert.Equal("Half an", stored.Text);
        Assert.Equal(new MessageError("ModelStreamError", "The model stream broke.", true), stored.Error);
        Assert.Null(stored.Usage);
    }

    [Fact]
    public async Task Claim_FinalMessage_AlreadyFinalAndRepairsActivePointer()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        await CompleteAsync(c, a, "Done.");
        // Simulate a finish that crashed between its message write and its conversation write.
        var relock = await Store.StartTurnAsync(new StartTurnCommand(c, "alice", false, a, null, null), None);
        Assert.Equal(StartTurnStatus.Started, relock.Status);

        var duplicate = await Store.ClaimAsync(c, a, 1, Lease("w9", TimeSpan.FromMinutes(1)), None);

        Assert.Equal(ClaimStatus.AlreadyFinal, duplicate.Status);
        Assert.Null((await Store.GetConversationAsync(c, None))!.ActiveMessageId);
    }

    [Fact]
    public async Task Claim_UnknownOrUserMessage_NotFound()
    {
        var (c, u, _) = await SeedTurnAsync("alice", "Hello there");

        Assert.Equal(ClaimStatus.NotFound, (await Store.ClaimAsync(c, "0000000000000000000000000000dead", 1, Lease("w", TimeSpan.FromMinutes(1)), None)).Status);
        Assert.Equal(ClaimStatus.NotFound, (await Store.ClaimAsync(c, u, 1, Lease("w", TimeSpan.FromMinutes(1)), None)).Status);
        Assert.Equal(MessageStatus.Completed, (await Store.GetMessageAsync(c, u, None))!.Status);
    }

    [Fact]
    public async Task RequestCancel_RunningTurn_WorkerSeesFlag()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        await Store.ClaimAsync(c, a, 1, Lease("w1", TimeSpan.FromMinutes(1)), None);
        Assert.False(await Store.IsCancelRequestedAsync(c, a, None));

        var after = await Store.RequestCancelAsync(c, a, None);

        Assert.True(after!.CancelRequested);
        Assert.True(await Store.IsCancelRequestedAsync(c, a, None));
    }

    [Fact]
    public async Task RequestCancel_FinalMessage_ChangesNothing()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        await CompleteAsync(c, a, "Done.");

        var after = await Store.RequestCancelAsync(c, a, None);

        Assert.Equal(MessageStatus.Completed, after!.Status);
        Assert.False(after.CancelRequested);
        Assert.Null(await Store.RequestCancelAsync(c, "0000000000000000000000000000dead", None));
    }

    [Fact]
    public async Task Checkpoint_LeaseHolder_WritesTextAndSeq()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");
        var lease = Lease("w1", TimeSpan.FromMinutes(1));
        await Store.ClaimAsync(c, a, 1, lease, None);

        Assert.True(await Store.CheckpointAsync(c, a, new Checkpoint("Gen", 1, 1), lease, None));
        Assert.True(await Store.CheckpointAsync(c, a, new Checkpoint("General", 2, 1), lease, None));

        var stored = await Store.GetMessageAsync(c, a, None);
        Assert.Equal(("General", 2L, MessageStatus.Streaming), (stored!.Text, stored.Seq, stored.Status));
    }

    [Fact]
    public async Task Checkpoint_NeverClaimed_Refused()
    {
        var (c, _, a) = await SeedTurnAsync("alice", "Hello there");

        Assert.False(await Store.CheckpointAsync(c, a, new Checkpoint("x", 0, 1), Lease("w1", TimeSpan.FromMinutes(1)), None));
        Assert.Equal(string.Empty, (await Store.GetMessageAsync(c, a, None))!.Text);
    }
}
