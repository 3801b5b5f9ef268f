using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Bench.Metrics;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Ids;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Integration.Tests.Fixtures;
using AppSyncChat.Local.Hosting;
using AppSyncChat.Worker.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Integration.Tests.Worker;

/// <summary>
/// The real Worker (composition root, Bedrock client, DynamoDB store, AppSync Events IAM publisher)
/// against the Local stack's emulators and engines. Turns are seeded straight into the table and the
/// SQS record is handed to the Worker's Lambda handler, so these tests exercise the Worker end to end
/// independently of the Api and the queue.
/// </summary>
internal sealed class WorkerTestBed : IDisposable
{
    private readonly LocalStackEndpoints _endpoints;
    private readonly AmazonDynamoDBClient _dynamo;

    public WorkerTestBed(LocalStackFixture fixture, IReadOnlyDictionary<string, string>? tuning = null)
        : this(fixture.Endpoints, tuning)
    {
    }

    /// <summary>Against any running Local stack (e.g. one a test started with its own options).</summary>
    public WorkerTestBed(LocalStackEndpoints endpoints, IReadOnlyDictionary<string, string>? tuning = null)
    {
        _endpoints = endpoints;
        var e = endpoints;
        var settings = new WorkerEnvironment
        {
            TableName = e.TableName,
            DefaultModelId = e.ModelId,
            EventsHttpEndpoint = e.EventsHttpUrl!,
            LogFormat = "text",
            OffAws = new OffAwsAccess(e.Region, e.AccessKeyId, e.SecretAccessKey) { DynamoDbEndpoint = e.DynamoDbUrl, BedrockEndpoint = e.BedrockUrl },
            Overrides = tuning,
        }.Build();

        Host = WorkerHost.Create(settings.GetValueOrDefault, NullLoggerFactory.Instance);
        _dynamo = DynamoDbClientFactory.Create(Host.Options.Region, Host.Options.DynamoDbEndpoint, new BasicAWSCredentials(e.AccessKeyId, e.SecretAccessKey));
        Store = new DynamoConversationStore(_dynamo, new ConversationStoreOptions(e.TableName));
    }

    public WorkerHost Host { get; }

    /// <summary>The model request whose prompt holds <paramref name="marker"/>, with its per-token times (null when not found).</summary>
    public async Task<ModelTurn?> ModelTurnAsync(string marker)
    {
        using var http = new HttpClient();
        var models = await ModelTurn.FetchByMarkerAsync(http, _endpoints.BedrockUrl!, [marker], CancellationToken.None);
        return models.GetValueOrDefault(marker);
    }

    /// <summary>Asserts that each viewer's live text kept flowing while the model of <paramref name="marker"/> streamed.</summary>
    public Task AssertFlowedAsync(string marker, params CatchUpViewer[] viewers) =>
        LiveStream.AssertFlowedAsync(_endpoints.BedrockUrl!, marker, [.. viewers.Select(v => (IReadOnlyList<(DateTimeOffset, long, string)>)v.TextArrivals)]);

    public DynamoConversationStore Store { get; }

    /// <summary>Stores a conversation with one user message and a QUEUED assistant message, as the Api does.</summary>
    public async Task<ChatTurnRequest> SeedTurnAsync(string prompt)
    {
        var now = DateTimeOffset.UtcNow;
        var conversationId = ChannelIds.NewId();
        var userId = MessageIds.New(now);
        var assistantId = MessageIds.NewAfter(now, userId);
        // The API-key owner: viewers subscribe with the API key, and the chat namespace admits only the owner.
        var started = await Store.StartTurnAsync(new StartTurnCommand(conversationId, OwnerIds.Anonymous, CreateConversation: true, assistantId, "test", null), CancellationToken.None);
        Assert.Equal(StartTurnStatus.Started, started.Status);
        Assert.True(await Store.PutMessageIfAbsentAsync(new ChatMessage { ConversationId = conversationId, MessageId = userId, Role = Roles.User, Text = prompt, Status = MessageStatus.Completed, CreatedAt = now, UpdatedAt = now }, CancellationToken.None));
        Assert.True(await Store.PutMessageIfAbsentAsync(new ChatMessage { ConversationId = conversationId, MessageId = assistantId, Role = Roles.Assistant, Text = "", Status = MessageStatus.Queued, UserMessageId = userId, CreatedAt = now, UpdatedAt = now }, CancellationToken.None));
        return new ChatTurnRequest
        {
            RequestId = "req-" + assistantId[..12],
            ConversationId = conversationId,
            UserMessageId = userId,
            AssistantMessageId = assistantId,
            Turn = 1,
            RequestedAtMs = now.ToUnixTimeMilliseconds(),
        };
    }

    /// <summary>Hands one SQS record with the request to the Worker's Lambda handler; returns the failed record ids.</summary>
    public async Task<IReadOnlyList<string>> DeliverAsync(ChatTurnRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default, string? recordId = null)
    {
        var body = JsonSerializer.Serialize(request, ContractsJsonContext.Default.ChatTurnRequest);
        var sqsEvent = new SqsEvent([new SqsEventRecord { MessageId = recordId ?? "m-" + Guid.NewGuid().ToString("N")[..8], ReceiptHandle = "rh", Body = body }]);
        var payload = JsonSerializer.SerializeToUtf8Bytes(sqsEvent, LambdaEventsJsonContext.Default.SqsEvent);
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromMinutes(1));
        var response = await Host.Handler.HandleAsync(new LambdaInvocation("inv-" + Guid.NewGuid().ToString("N")[..8], deadline, null, null, payload), cancellationToken);
        var parsed = JsonSerializer.Deserialize(response.Span, LambdaEventsJsonContext.Default.SqsBatchResponse)!;
        return [.. parsed.BatchItemFailures.Select(f => f.ItemIdentifier)];
    }

    public async Task<ChatMessage> MessageAsync(ChatTurnRequest request) =>
        (await Store.GetMessageAsync(request.ConversationId, request.AssistantMessageId, CancellationToken.None))!;

    /// <summary>A viewer connected over the AppSync Events WebSocket with the API key.</summary>
    public async Task<CatchUpViewer> ViewerAsync(ChatTurnRequest request, bool withSnapshot = false)
    {
        var e = _endpoints;
        var client = new EventsWebSocketClient(new EventsWebSocketOptions
        {
            HttpEndpoint = new Uri(e.EventsHttpUrl!),
            RealtimeEndpoint = new Uri(e.EventsRealtimeUrl!),
            Authorization = EventsAuthorization.ApiKey(e.EventsApiKey),
        });
        await client.ConnectAsync(CancellationToken.None);
        var subscription = await client.SubscribeAsync(ChatChannels.ForConversation(request.ConversationId), CancellationToken.None);
        var viewer = new CatchUpViewer(client, subscription, () => MessageAsync(request), request.AssistantMessageId);
        if (withSnapshot)
        {
            await viewer.LoadSnapshotAsync();
        }

        viewer.Start();
        return viewer;
    }

    public void Dispose()
    {
        Host.Dispose();
        _dynamo.Dispose();
    }
}

/// <summary>
/// A viewer that follows the catch-up algorithm of docs/catch-up.md: subscribe first and buffer, take the snapshot,
/// apply events whose (turn, seq) extend it, re-fetch the snapshot on a gap, check length and checksum at
/// the end. Its text must equal the stored text, character for character.
/// </summary>
internal sealed class CatchUpViewer : IAsyncDisposable
{
    private readonly EventsWebSocketClient _client;
    private readonly EventsSubscription _subscription;
    private readonly Func<Task<ChatMessage>> _snapshot;
    private readonly StringBuilder _text = new();
    private readonly TaskCompletionSource<StreamEvent> _terminal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task? _reader;
    private int _turn;
    private long _nextSeq;

    private readonly string _messageId;

    public CatchUpViewer(EventsWebSocketClient client, EventsSubscription subscription, Func<Task<ChatMessage>> snapshot, string messageId)
    {
        _client = client;
        _subscription = subscription;
        _snapshot = snapshot;
        _messageId = messageId;
    }

    public string Text => _text.ToString();

    public int Gaps { get; private set; }

    public List<StreamEvent> Events { get; } = [];

    /// <summary>Each text event of this message as it arrived (receipt time, offset, text), before it was applied.</summary>
    public List<(DateTimeOffset At, long Offset, string Text)> TextArrivals { get; } = [];

    /// <summary>The UTF-8 size of each event of this message as it arrived on the WebSocket, in <see cref="Events"/> order.</summary>
    public List<int> EventBytes { get; } = [];

    public Task<StreamEvent> Terminal => _terminal.Task;

    public TaskCompletionSource FirstText { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When a live text event was first applied (after the snapshot, if one was loaded).</summary>
    public DateTimeOffset? FirstLiveTextAppliedAt { get; private set; }

    public async Task LoadSnapshotAsync()
    {
        var message = await _snapshot();
        _text.Clear().Append(message.Text);
        _turn = message.Turn;
        _nextSeq = message.Seq + 1;
        if (MessageStatus.IsFinal(message.Status))
        {
            // Joined after the end: the snapshot is the whole answer.
            Assert.Equal(message.Checksum, TextChecksum.Of(Text));
            _terminal.TrySetResult(FinalFrom(message));
        }
    }

    /// <summary>
    /// A gap: events between the last checkpoint and this viewer's subscription were missed. The next
    /// checkpoint (≤ 1 s away) covers them: re-fetch until the snapshot reaches the event.
    /// </summary>
    private async Task CatchUpToAsync(StreamEvent e)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            await LoadSnapshotAsync();
            if (_turn > e.Turn || (_turn == e.Turn && _nextSeq >= e.Seq) || _terminal.Task.IsCompleted)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < until, $"the snapshot never reached turn {e.Turn} seq {e.Seq}");
            await Task.Delay(100);
        }
    }

    private static StreamEvent FinalFrom(ChatMessage m) => m.Status switch
    {
        MessageStatus.Completed => new TurnCompleted { ConversationId = m.ConversationId, MessageId = m.MessageId, Turn = m.Turn, Seq = m.Seq, StopReason = m.StopReason ?? "", Length = m.Text.Length, Checksum = m.Checksum ?? "" },
        MessageStatus.Cancelled => new TurnCancelled { ConversationId = m.ConversationId, MessageId = m.MessageId, Turn = m.Turn, Seq = m.Seq, Length = m.Text.Length, Checksum = m.Checksum ?? "" },
        _ => new TurnFailed { ConversationId = m.ConversationId, MessageId = m.MessageId, Turn = m.Turn, Seq = m.Seq, Status = m.Status, ErrorCode = m.Error?.Code ?? "", Message = m.Error?.Message ?? "", Retryable = m.Error?.Retryable ?? false, Length = m.Text.Length, Checksum = m.Checksum ?? "" },
    };

    public void Start() => _reader = Task.Run(ReadAsync);

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var json in _subscription.ReadEventsAsync(_stop.Token))
            {
                var e = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.StreamEvent)!;
                if (e.MessageId != _messageId)
                {
                    continue; // another message of the conversation
                }

                if (e is TextDelta arrived)
                {
                    TextArrivals.Add((DateTimeOffset.UtcNow, arrived.Offset, arrived.Text));
                }

                Events.Add(e);
                EventBytes.Add(Encoding.UTF8.GetByteCount(json));
                await ApplyAsync(e);
                if (e is TurnCompleted or TurnFailed or TurnCancelled)
                {
                    _terminal.TrySetResult(e);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _terminal.TrySetException(ex);
        }
    }

    private async Task ApplyAsync(StreamEvent e)
    {
        if (e.Turn < _turn || (e.Turn == _turn && e.Seq < _nextSeq))
        {
            return; // older turn or already in the snapshot / a duplicate
        }

        if ((e.Turn > _turn && e is not TurnStarted) || (e.Turn == _turn && e.Seq > _nextSeq))
        {
            Gaps++;
            await CatchUpToAsync(e);
            if (_terminal.Task.IsCompleted || e.Turn < _turn || (e.Turn == _turn && e.Seq < _nextSeq))
            {
                return;
            }
        }

        _turn = e.Turn;
        _nextSeq = e.Seq + 1;
        switch (e)
        {
            case TurnStarted started:
                _text.Length = (int)Math.Min(started.Offset, _text.Length);
                break;
            case TextDelta delta:
                Assert.Equal(_text.Length, delta.Offset);
                _text.Append(delta.Text);
                FirstLiveTextAppliedAt ??= DateTimeOffset.UtcNow;
                FirstText.TrySetResult();
                break;
            case TurnCompleted c:
                Check(c.Length, c.Checksum);
                break;
            case TurnFailed f:
                Check(f.Length, f.Checksum);
                break;
            case TurnCancelled x:
                Check(x.Length, x.Checksum);
                break;
            default:
                break;
        }
    }

    private void Check(long length, string checksum)
    {
        Assert.Equal(length, _text.Length);
        Assert.Equal(checksum, TextChecksum.Of(Text));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_reader is not null)
        {
            await _reader;
        }

        await _client.DisposeAsync();
        _stop.Dispose();
    }
}
