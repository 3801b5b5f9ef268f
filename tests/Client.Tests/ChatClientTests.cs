using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Errors;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Client.Tests.Support;
using AppSyncChat.Contracts.Channels;

namespace AppSyncChat.Client.Tests;

/// <summary>The facade's send flows: the channel is always subscribed before the message that starts an answer.</summary>
public sealed class ChatClientTests
{
    private sealed class Rig
    {
        public Rig()
        {
            Server = new FakeChatServer(AnswerScript.Streamed(["Hello ", "from ", "the model."]));
            Api = new FakeChatApi(Server);
            Subscription.OnSubscribe = channel =>
            {
                lock (Api.Calls)
                {
                    Api.Calls.Add("subscribe " + channel);
                }
            };

            // The worker's part: it publishes the whole answer, from turn.started on, the moment the message is
            // stored. A viewer that subscribed later would miss those events (AppSync does not replay them).
            Api.OnSend = _ => Subscription.Publish([.. Server.Answer.Events]);
            Client = new ChatClient(Api, Subscription, new CatchUpOptions());
        }

        public FakeChatServer Server { get; }

        public FakeChatApi Api { get; }

        public ScriptedSubscription Subscription { get; } = new();

        public ChatClient Client { get; }
    }

    private static async Task<List<ChatUpdate>> CollectAsync(IAsyncEnumerable<ChatUpdate> updates)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var list = new List<ChatUpdate>();
        await foreach (var update in updates.WithCancellation(timeout.Token))
        {
            list.Add(update);
        }

        return list;
    }

    [Fact]
    public async Task Send_NewConversation_CreatesSubscribesThenSends()
    {
        var rig = new Rig();

        var updates = await CollectAsync(rig.Client.SendAsync(new SendMessageInput
        {
            Text = "Tell me about streams",
            ClientRequestId = "send-1",
            Settings = new ModelSettingsInput { Temperature = 0.3 },
        }));

        Assert.Equal(["create", $"subscribe /chat/{FakeChatServer.ConversationId}", "send"], rig.Api.Calls);
        var created = Assert.Single(rig.Api.Created);
        Assert.Equal(ChatClient.ConversationRequestIdFor("send-1"), created.ClientRequestId);
        Assert.Null(created.Settings); // the message's settings stay the message's
        var sent = Assert.Single(rig.Api.Sent);
        Assert.Equal(FakeChatServer.ConversationId, sent.ConversationId);
        Assert.Equal(("send-1", 0.3), (sent.ClientRequestId, sent.Settings!.Temperature!.Value));

        Assert.IsType<ConversationStarted>(updates[0]);
        Assert.IsType<MessageAccepted>(updates[1]);
        Assert.Contains(updates, u => u is AnswerStarted);
        Assert.DoesNotContain(updates, u => u is Resynced { Reason: not ResyncReason.Joined });
        Assert.Equal("Hello from the model.", Assert.IsType<MessageCompleted>(updates[^1]).Text);
        Assert.True(rig.Subscription.Disposed);
    }

    [Fact]
    public async Task Send_SnapshotSlow_TheAnswerStartsBeforeItWithTheSentTextAsThePrompt()
    {
        var rig = new Rig();
        var hold = rig.Server.HoldNextFetch();
        var input = new SendMessageInput { ConversationId = FakeChatServer.ConversationId, Text = "What I asked", ClientRequestId = "send-slow" };
        var updates = new List<ChatUpdate>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var reading = rig.Client.SendAsync(input, timeout.Token).GetAsyncEnumerator(timeout.Token);
        while (await reading.MoveNextAsync() && reading.Current is not MessageFinished)
        {
            updates.Add(reading.Current);
        }

        Assert.False(hold.Task.IsCompleted); // the whole answer came from the events; the snapshot is still being read
        Assert.Equal("What I asked", Assert.Single(updates.OfType<FollowingMessage>()).Prompt);
        Assert.Equal("Hello from the model.", Assert.IsType<MessageCompleted>(reading.Current).Text);
        Assert.False(await reading.MoveNextAsync()); // and the stream ends without waiting for it
    }

    [Fact]
    public async Task StartConversation_TitleAndDefaults_GoToCreateAndTheFirstMessageIntoTheNewConversation()
    {
        var rig = new Rig();
        var create = new CreateConversationInput
        {
            ClientRequestId = "create-1",
            Title = "Streams",
            Settings = new ModelSettingsInput { SystemPrompt = "Be brief." },
        };

        var updates = await CollectAsync(rig.Client.StartConversationAsync(create, new SendMessageInput { Text = "Hi", ClientRequestId = "msg-1" }));

        Assert.Equal(create, Assert.Single(rig.Api.Created));
        Assert.Equal(["create", $"subscribe /chat/{FakeChatServer.ConversationId}", "send"], rig.Api.Calls);
        var started = Assert.IsType<ConversationStarted>(updates[0]);
        Assert.Equal(("Streams", "Be brief."), (started.Conversation.Title, started.Conversation.Settings!.SystemPrompt));
        Assert.Equal((FakeChatServer.ConversationId, "msg-1"), (rig.Api.Sent.Single().ConversationId, rig.Api.Sent.Single().ClientRequestId));
        Assert.IsType<MessageCompleted>(updates[^1]);
    }

    [Fact]
    public async Task Send_ExistingConversation_SubscribesThenSendsWithoutCreating()
    {
        var rig = new Rig();

        var updates = await CollectAsync(rig.Client.SendAsync(new SendMessageInput { ConversationId = FakeChatServer.ConversationId, Text = "Again", ClientRequestId = "send-2" }));

        Assert.Equal([$"subscribe /chat/{FakeChatServer.ConversationId}", "send"], rig.Api.Calls);
        Assert.IsType<MessageAccepted>(updates[0]);
        Assert.IsType<MessageCompleted>(updates[^1]);
    }

    [Fact]
    public async Task Send_CreateRefused_NothingSubscribedOrSent()
    {
        var rig = new Rig();
        rig.Api.FailAll = ChatClientErrors.GraphQL([new GraphQLError("ValidationError", "input.title is too long.", [])], System.Net.HttpStatusCode.OK, "req-1");

        var error = await Assert.ThrowsAsync<GraphQLRequestException>(() => CollectAsync(rig.Client.SendAsync(new SendMessageInput { Text = "Hi", ClientRequestId = "send-3" })));

        Assert.Equal("ValidationError", error.ErrorType);
        Assert.Equal(["create"], rig.Api.Calls);
        Assert.Null(rig.Subscription.SubscribedChannel);
    }

    [Fact]
    public async Task Send_SubscribeFails_MessageNotSent()
    {
        var rig = new Rig();
        var failing = new FailingSubscriber(new ChatConnectionException("subscribe refused", null, null));
        await using var client = new ChatClient(rig.Api, failing, new CatchUpOptions());

        await Assert.ThrowsAsync<ChatConnectionException>(() => CollectAsync(client.SendAsync(new SendMessageInput { Text = "Hi", ClientRequestId = "send-4" })));

        Assert.Equal(["create"], rig.Api.Calls);
        Assert.Empty(rig.Api.Sent);
    }

    [Fact]
    public async Task Send_SubscribeRefusedForAnUnknownConversation_NotFoundLikeTheApiAndNothingSent()
    {
        var rig = new Rig();
        rig.Server.Exists = false;
        await using var client = new ChatClient(rig.Api, new FailingSubscriber(new InvalidOperationException("subscribe_error: Unauthorized")), new CatchUpOptions());

        var error = await Assert.ThrowsAsync<GraphQLRequestException>(() => CollectAsync(client.SendAsync(new SendMessageInput { ConversationId = "gone", Text = "Hi", ClientRequestId = "send-5" })));

        Assert.Equal(GraphQLErrorTypes.NotFound, error.ErrorType);
        Assert.Empty(rig.Api.Sent);
    }

    [Fact]
    public async Task Follow_SubscribeRefusedForAnExistingConversation_TheTransportErrorStands()
    {
        var rig = new Rig();
        await using var client = new ChatClient(rig.Api, new FailingSubscriber(new InvalidOperationException("subscribe_error: Unauthorized")), new CatchUpOptions());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => CollectAsync(client.FollowAsync(new FollowRequest(FakeChatServer.ConversationId))));

        Assert.Contains("subscribe_error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConversationRequestIdFor_StableValidAndDifferentFromTheMessageId()
    {
        var id = ChatClient.ConversationRequestIdFor("send-1");

        Assert.Equal(id, ChatClient.ConversationRequestIdFor("send-1"));
        Assert.NotEqual(id, ChatClient.ConversationRequestIdFor("send-2"));
        Assert.NotEqual("send-1", id);
        Assert.True(ChannelIds.IsValid(id));
        Assert.True(ChannelIds.IsValid(ChatClient.ConversationRequestIdFor(new string('x', 50))));
    }

    [Fact]
    public async Task StartConversation_WithAConversationId_Refused()
    {
        var rig = new Rig();

        Assert.Throws<ArgumentException>(() => rig.Client.StartConversationAsync(
            new CreateConversationInput { ClientRequestId = "c" }, new SendMessageInput { ConversationId = "conv-1", Text = "Hi", ClientRequestId = "m" }));
        await Task.Yield();
        Assert.Empty(rig.Api.Calls);
    }

    private sealed class FailingSubscriber(Exception error) : IChannelSubscriber
    {
        public Task<IChannelSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken) => Task.FromException<IChannelSubscription>(error);
    }
}
