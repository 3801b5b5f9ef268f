using System.Text.Json;
using Amazon.Runtime;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Events;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Local.AppSyncEvents;

namespace AppSyncChat.Integration.Tests.Client;

/// <summary>
/// The catch-up seam over the real AppSync Events WebSocket client, against the Events emulator alone
/// (no Api or Worker): events published over HTTP with IAM, as the worker does, reach the follower.
/// </summary>
public sealed class AppSyncEventsAdapterTests : IAsyncLifetime
{
    private const string ConversationId = "adapter-conv";
    private const string MessageId = "adapter-msg";
    private AppSyncEventsEmulatorServer? _emulator;

    private AppSyncEventsEmulatorServer Emulator => _emulator!;

    public async Task InitializeAsync() =>
        _emulator = await AppSyncEventsEmulatorServer.StartAsync(new AppSyncEventsEmulatorOptions { HttpPort = 0, TlsPort = -1 }, CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }

    /// <summary>Snapshots that say "queued" until told the message is final.</summary>
    private sealed class Snapshots(TaskCompletionSource firstFetch) : IConversationSnapshots
    {
        public Message Current { get; set; } = new() { MessageId = MessageId, Role = MessageRoles.Assistant, Status = MessageStatus.Queued, Turn = 1, Seq = -1 };

        public Task<Conversation?> GetConversationAsync(string conversationId, int? messageLimit, CancellationToken cancellationToken)
        {
            firstFetch.TrySetResult();
            return Task.FromResult<Conversation?>(new Conversation
            {
                ConversationId = ConversationId,
                Channel = ChatChannels.ForConversation(ConversationId),
                ActiveMessageId = MessageStatus.IsFinal(Current.Status) ? null : MessageId,
                Messages = [Current],
            });
        }
    }

    [Fact]
    public async Task Follow_OverTheEventsEmulator_ReceivesEveryPublishedEventInOrder()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var subscribed = new TaskCompletionSource();
        var snapshots = new Snapshots(subscribed);
        await using var subscriber = AppSyncEventsChannelSubscriber.Create(new EventsWebSocketOptions
        {
            HttpEndpoint = Emulator.HttpPublishEndpoint,
            RealtimeEndpoint = Emulator.RealtimeEndpoint,
            Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
        });
        var follower = new ConversationFollower(snapshots, subscriber);
        var text = "";
        var follow = Task.Run(async () =>
        {
            MessageFinished? finished = null;
            await foreach (var update in follower.FollowAsync(new FollowRequest(ConversationId) { MessageId = MessageId }, timeout.Token))
            {
                text = update switch { TextAppended a => text + a.Text, TextReset r => r.Text, _ => text };
                finished = update as MessageFinished ?? finished;
            }

            return finished;
        });
        await subscribed.Task.WaitAsync(timeout.Token); // the snapshot is fetched only once the subscription is live

        using var publisher = new EventsHttpPublisher(new EventsHttpPublisherOptions
        {
            Endpoint = Emulator.HttpPublishEndpoint,
            Authorization = EventsAuthorization.Iam(
                new BasicAWSCredentials(AppSyncEventsEmulatorOptions.LocalAccessKeyId, AppSyncEventsEmulatorOptions.LocalSecretAccessKey),
                AppSyncEventsEmulatorOptions.LocalRegion),
        });
        var events = Script("Events ", "travel ", "over ", "AppSync ", "to ", "every ", "viewer ", "😀.");
        foreach (var batch in events.Chunk(StreamEventTypes.MaxEventsPerPublish))
        {
            var result = await publisher.PublishAsync(ChatChannels.ForConversation(ConversationId), [.. batch.Select(e => JsonSerializer.Serialize(e, ContractsJsonContext.Default.StreamEvent))], timeout.Token);
            Assert.True(result.AllSucceeded);
        }

        var done = Assert.IsType<MessageCompleted>(await follow);
        Assert.Equal("Events travel over AppSync to every viewer 😀.", done.Text);
        Assert.Equal(done.Text, text);
    }

    private static List<StreamEvent> Script(params string[] pieces)
    {
        var list = new List<StreamEvent> { new TurnStarted { ConversationId = ConversationId, MessageId = MessageId, Turn = 1, Seq = 0, Offset = 0 } };
        var text = "";
        foreach (var piece in pieces)
        {
            list.Add(new TextDelta { ConversationId = ConversationId, MessageId = MessageId, Turn = 1, Seq = list.Count, Offset = text.Length, Text = piece });
            text += piece;
        }

        list.Add(new TurnCompleted { ConversationId = ConversationId, MessageId = MessageId, Turn = 1, Seq = list.Count, StopReason = "end_turn", Length = text.Length, Checksum = TextChecksum.Of(text) });
        return list;
    }
}
