using System.Text.Json;
using Amazon.Runtime;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Bench.Faults;
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

    [Fact]
    public async Task Follow_ConnectionDroppedMidAnswer_ReconnectsResnapshotsAndEndsWithTheStoredText()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var subscribed = new TaskCompletionSource();
        var snapshots = new Snapshots(subscribed);
        await using var proxy = new TcpDropProxy(Emulator.HttpPublishEndpoint.Port);
        await using var subscriber = AppSyncEventsChannelSubscriber.Create(new EventsWebSocketOptions
        {
            HttpEndpoint = Emulator.HttpPublishEndpoint,
            RealtimeEndpoint = new Uri($"ws://127.0.0.1:{proxy.Port}/event/realtime"),
            Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        });
        var follower = new ConversationFollower(snapshots, subscriber, new CatchUpOptions { ResnapshotBackoff = TimeSpan.FromMilliseconds(50), MaxResnapshotBackoff = TimeSpan.FromMilliseconds(200) });
        var text = "";
        var firstPart = new TaskCompletionSource();
        var restored = new TaskCompletionSource();
        var events = Script(Enumerable.Range(0, 30).Select(i => $"piece{i} ").ToArray());
        var firstPartText = string.Concat(Enumerable.Range(0, 9).Select(i => $"piece{i} "));
        var follow = Task.Run(async () =>
        {
            MessageFinished? finished = null;
            await foreach (var update in follower.FollowAsync(new FollowRequest(ConversationId) { MessageId = MessageId }, timeout.Token))
            {
                text = update switch { TextAppended a => text + a.Text, TextReset r => r.Text, _ => text };
                if (text == firstPartText)
                {
                    firstPart.TrySetResult();
                }

                if (update is ConnectionRestored)
                {
                    restored.TrySetResult();
                }

                finished = update as MessageFinished ?? finished;
            }

            return finished;
        });
        await subscribed.Task.WaitAsync(timeout.Token);
        using var publisher = new EventsHttpPublisher(new EventsHttpPublisherOptions
        {
            Endpoint = Emulator.HttpPublishEndpoint,
            Authorization = EventsAuthorization.Iam(
                new BasicAWSCredentials(AppSyncEventsEmulatorOptions.LocalAccessKeyId, AppSyncEventsEmulatorOptions.LocalSecretAccessKey),
                AppSyncEventsEmulatorOptions.LocalRegion),
        });
        async Task PublishAsync(IEnumerable<StreamEvent> batch)
        {
            foreach (var chunk in batch.Chunk(StreamEventTypes.MaxEventsPerPublish))
            {
                await publisher.PublishAsync(ChatChannels.ForConversation(ConversationId), [.. chunk.Select(e => JsonSerializer.Serialize(e, ContractsJsonContext.Default.StreamEvent))], timeout.Token);
            }
        }

        await PublishAsync(events.Take(10)); // turn.started + 9 pieces
        await firstPart.Task.WaitAsync(timeout.Token);

        proxy.DropAll(); // the viewer's network drops; what is published now never reaches it
        await PublishAsync(events.Skip(10).Take(10));
        snapshots.Current = Snapshot(events, 19); // the worker's checkpoint covers the lost events
        await restored.Task.WaitAsync(timeout.Token);

        await PublishAsync(events.Skip(20).SkipLast(1));
        snapshots.Current = Snapshot(events, events.Count - 1); // final state stored, then the terminal event
        await PublishAsync(events.TakeLast(1));

        var done = Assert.IsType<MessageCompleted>(await follow);
        var expected = string.Concat(Enumerable.Range(0, 30).Select(i => $"piece{i} "));
        Assert.Equal(expected, done.Text);
        Assert.Equal(expected, text);
        Assert.True(proxy.Connections >= 2, "the client opened a new connection");
    }

    private static Message Snapshot(List<StreamEvent> events, int through)
    {
        var text = string.Concat(events.Take(through + 1).OfType<TextDelta>().Select(d => d.Text));
        var last = events[through];
        var final = last is TurnCompleted;
        return new Message
        {
            MessageId = MessageId,
            Role = MessageRoles.Assistant,
            Text = text,
            Status = final ? MessageStatus.Completed : MessageStatus.Streaming,
            Turn = 1,
            Seq = last.Seq,
            Offset = text.Length,
            StopReason = final ? "end_turn" : null,
            Checksum = final ? TextChecksum.Of(text) : null,
        };
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
