using System.Collections.Concurrent;
using Amazon.Runtime;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Testing;

namespace AppSyncChat.Aws.Tests.AppSyncEvents;

public sealed class EventsWebSocketClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private CatalogueServer _server = null!;

    public async Task InitializeAsync() => _server = await CatalogueServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ConnectAsync_ApiKey_OffersBothSubprotocolsWithHostAndKey()
    {
        await using var client = NewClient(EventsAuthorization.ApiKey("da2-test"));

        await client.ConnectAsync(CancellationToken.None);

        var connection = await _server.NextConnectionAsync();
        Assert.Equal("aws-appsync-event-ws", connection.Protocols[0]);
        var auth = connection.HeaderAuth;
        Assert.Equal(_server.HttpEndpoint.Authority, auth.GetProperty("host").GetString());
        Assert.Equal("da2-test", auth.GetProperty("x-api-key").GetString());
        await connection.NextFrameAsync("connection_init");
        Assert.Equal(EventsConnectionState.Connected, client.State);
        Assert.Equal(TimeSpan.FromMilliseconds(300000), client.KeepAliveTimeout);
    }

    [Fact]
    public async Task ConnectAsync_IamAndBearer_PutTheirHeadersInTheAuthObject()
    {
        var iam = EventsAuthorization.Iam(new SessionAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token-1"), "us-east-1");
        await using (var client = NewClient(iam))
        {
            await client.ConnectAsync(CancellationToken.None);
            var auth = (await _server.NextConnectionAsync()).HeaderAuth;
            Assert.Equal("application/json, text/javascript", auth.GetProperty("accept").GetString());
            Assert.Equal("amz-1.0", auth.GetProperty("content-encoding").GetString());
            Assert.Equal("application/json; charset=UTF-8", auth.GetProperty("content-type").GetString());
            Assert.Equal(_server.HttpEndpoint.Authority, auth.GetProperty("host").GetString());
            Assert.Equal("token-1", auth.GetProperty("X-Amz-Security-Token").GetString());
            Assert.Contains("/us-east-1/appsync/aws4_request", auth.GetProperty("Authorization").GetString(), StringComparison.Ordinal);
        }

        await using (var client = NewClient(EventsAuthorization.BearerToken(_ => ValueTask.FromResult("jwt-abc"))))
        {
            await client.ConnectAsync(CancellationToken.None);
            var auth = (await _server.NextConnectionAsync()).HeaderAuth;
            Assert.Equal("jwt-abc", auth.GetProperty("Authorization").GetString());
            Assert.Equal(_server.HttpEndpoint.Authority, auth.GetProperty("host").GetString());
        }
    }

    [Fact]
    public async Task ConnectAsync_AckWithTimeoutInPayload_FallsBackToPayload()
    {
        _server.AckFrame = """{"type":"connection_ack","payload":{"connectionTimeoutMs":12345}}""";
        await using var client = NewClient();

        await client.ConnectAsync(CancellationToken.None);

        Assert.Equal(TimeSpan.FromMilliseconds(12345), client.KeepAliveTimeout);
    }

    [Fact]
    public async Task ConnectAsync_ConnectionError_ThrowsTypedNonRetryable()
    {
        _server.ConnectionErrorFrame = """{"type":"connection_error","errors":[{"errorType":"UnauthorizedException","message":"You are not authorized to make this call."}]}""";
        await using var client = NewClient();

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.ConnectAsync(CancellationToken.None));

        Assert.Equal(EventsErrorSource.ConnectionError, ex.ErrorSource);
        Assert.Equal("UnauthorizedException", ex.ErrorCode);
        Assert.False(ex.IsRetryable);
        Assert.Equal(EventsConnectionState.NotConnected, client.State);
    }

    [Fact]
    public async Task SubscribeAsync_DataFrames_YieldEventsInOrderIncludingArrayForm()
    {
        await using var client = NewClient();
        await client.ConnectAsync(CancellationToken.None);
        var connection = await _server.NextConnectionAsync();

        await using var subscription = await client.SubscribeAsync("/chat/c1", CancellationToken.None);
        var subscribe = await connection.NextFrameAsync("subscribe");
        Assert.Equal(subscription.Id, subscribe.GetProperty("id").GetString());
        Assert.Equal("/chat/c1", subscribe.GetProperty("channel").GetString());
        Assert.Equal("da2-test", subscribe.GetProperty("authorization").GetProperty("x-api-key").GetString());

        await connection.SendAsync($$"""{"type":"data","id":"{{subscription.Id}}","event":"{\"seq\":0}"}""");
        await connection.SendAsync($$"""{"type":"ka"}""");
        await connection.SendAsync($$"""{"type":"data","id":"{{subscription.Id}}","event":["{\"seq\":1}","{\"seq\":2}"]}""");
        await connection.SendAsync($$"""{"type":"data","id":"someone-else","event":"{\"seq\":99}"}""");

        var received = await Take(subscription, 3);
        Assert.Equal(["{\"seq\":0}", "{\"seq\":1}", "{\"seq\":2}"], received);
    }

    [Fact]
    public async Task SubscribeAsync_SubscribeError_ThrowsTypedAndKeepsConnection()
    {
        _server.DenySubscribe.Add("/chat/secret");
        await using var client = NewClient();

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync("/chat/secret", CancellationToken.None));

        Assert.Equal(EventsErrorSource.SubscribeError, ex.ErrorSource);
        Assert.Equal("UnauthorizedException", ex.ErrorCode);
        Assert.NotNull(ex.OperationId);
        await using var ok = await client.SubscribeAsync("/chat/open", CancellationToken.None);
        Assert.True(ok.IsActive);
    }

    [Fact]
    public async Task SubscribeAsync_InvalidChannel_ThrowsValidationBeforeConnecting()
    {
        await using var client = NewClient();

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync("/chat/*/x", CancellationToken.None));

        Assert.Equal(EventsErrors.ClientCodes.InvalidChannel, ex.ErrorCode);
        Assert.Empty(_server.Connections);
    }

    [Fact]
    public async Task UnsubscribeAsync_SendsUnsubscribeAndEndsTheStream()
    {
        await using var client = NewClient();
        var subscription = await client.SubscribeAsync("/chat/*", CancellationToken.None);
        var connection = _server.Connections.Single();

        await subscription.UnsubscribeAsync();

        var frame = await connection.NextFrameAsync("unsubscribe");
        Assert.Equal(subscription.Id, frame.GetProperty("id").GetString());
        Assert.False(subscription.IsActive);
        Assert.Empty(await Take(subscription, 0));
    }

    [Fact]
    public async Task UnsubscribeAsync_UnsubscribeError_ThrowsTyped()
    {
        _server.FailUnsubscribe = true;
        await using var client = NewClient();
        var subscription = await client.SubscribeAsync("/chat/c1", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => subscription.UnsubscribeAsync());

        Assert.Equal(EventsErrorSource.UnsubscribeError, ex.ErrorSource);
        Assert.Equal("UnknownOperationError", ex.ErrorCode);
        Assert.False(subscription.IsActive);
    }

    [Fact]
    public async Task PublishAsync_OverWebSocket_ReturnsResultAndSubscriberReceives()
    {
        await using var client = NewClient();
        await using var subscription = await client.SubscribeAsync("/chat/c1", CancellationToken.None);

        var result = await client.PublishAsync("/chat/c1", ["{\"a\":1}", "\"b\""], CancellationToken.None);

        Assert.True(result.AllSucceeded);
        Assert.Equal([0, 1], result.Successful.Select(s => s.Index));
        var frame = await _server.Connections.Single().NextFrameAsync("publish");
        Assert.Equal(["{\"a\":1}", "\"b\""], frame.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["{\"a\":1}", "\"b\""], await Take(subscription, 2));
    }

    [Fact]
    public async Task PublishAsync_PublishErrorAndGenericError_ThrowTyped()
    {
        _server.DenyPublish.Add("/chat/c1");
        _server.GenericErrorOnPublish.Add("/chat/c2");
        await using var client = NewClient();

        var publishError = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.PublishAsync("/chat/c1", ["1"], CancellationToken.None));
        var generic = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.PublishAsync("/chat/c2", ["1"], CancellationToken.None));
        var tooMany = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.PublishAsync("/chat/c3", ["1", "2", "3", "4", "5", "6"], CancellationToken.None));

        Assert.Equal((EventsErrorSource.PublishError, "UnauthorizedException", false), (publishError.ErrorSource, publishError.ErrorCode, publishError.IsRetryable));
        Assert.Equal((EventsErrorSource.Error, "LimitExceededError"), (generic.ErrorSource, generic.ErrorCode));
        Assert.Equal(EventsErrors.ClientCodes.TooManyEvents, tooMany.ErrorCode);
    }

    [Fact]
    public async Task BroadcastError_IsReportedAsConnectionEventForTheSubscription()
    {
        await using var client = NewClient();
        var broadcast = new TaskCompletionSource<EventsConnectionEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionChanged += e =>
        {
            if (e.Kind == EventsConnectionEventKind.BroadcastError)
            {
                broadcast.TrySetResult(e);
            }
        };
        await using var subscription = await client.SubscribeAsync("/chat/c1", CancellationToken.None);

        await _server.Connections.Single().SendAsync($$"""{"type":"broadcast_error","id":"{{subscription.Id}}","errors":[{"errorType":"MessageProcessingError","message":"too big"}]}""");

        var change = await broadcast.Task.WaitAsync(Wait);
        Assert.Equal(subscription.Id, change.SubscriptionId);
        Assert.Equal(EventsErrorSource.BroadcastError, change.Error!.ErrorSource);
        Assert.Equal("MessageProcessingError", change.Error.ErrorCode);
        Assert.True(subscription.IsActive);
    }

    [Fact]
    public async Task DroppedConnection_ReconnectsResubscribesAndKeepsDelivering()
    {
        await using var client = NewClient(reconnectBaseDelay: TimeSpan.FromMilliseconds(20));
        var events = new ConcurrentQueue<EventsConnectionEvent>();
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionChanged += e =>
        {
            events.Enqueue(e);
            if (e.Kind == EventsConnectionEventKind.Reconnected)
            {
                reconnected.TrySetResult();
            }
        };
        await using var exact = await client.SubscribeAsync("/chat/c1", CancellationToken.None);
        await using var wildcard = await client.SubscribeAsync("/chat/*", CancellationToken.None);
        var first = await _server.NextConnectionAsync();

        first.Abort();

        var second = await _server.NextConnectionAsync();
        await reconnected.Task.WaitAsync(Wait);
        Assert.Equal(new[] { exact.Id, wildcard.Id }.Order(), second.Subscriptions.Keys.Order());
        Assert.Equal("/chat/*", second.Subscriptions[wildcard.Id]);
        Assert.Contains(events, e => e.Kind == EventsConnectionEventKind.Disconnected && e.Error!.ErrorSource == EventsErrorSource.Transport);
        Assert.Contains(events, e => e.Kind == EventsConnectionEventKind.Reconnecting && e.Attempt == 1);

        await second.SendAsync($$"""{"type":"data","id":"{{exact.Id}}","event":"{\"after\":true}"}""");
        Assert.Equal(["{\"after\":true}"], await Take(exact, 1));
        Assert.Equal(EventsConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task KeepAliveWatchdog_AnyMessageResetsIt_MissedKeepAliveReconnects()
    {
        _server.AckFrame = """{"type":"connection_ack","connectionTimeoutMs":1000}""";
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero));
        await using var client = NewClient(reconnectBaseDelay: TimeSpan.Zero, clock: clock);
        var disconnected = new TaskCompletionSource<EventsConnectionEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionChanged += e =>
        {
            if (e.Kind == EventsConnectionEventKind.Disconnected)
            {
                disconnected.TrySetResult(e);
            }
            else if (e.Kind == EventsConnectionEventKind.Reconnected)
            {
                reconnected.TrySetResult();
            }
        };
        await using var subscription = await client.SubscribeAsync("/chat/c1", CancellationToken.None); // subscribe_success at t=0
        var first = await _server.NextConnectionAsync();

        clock.Advance(TimeSpan.FromMilliseconds(600));
        await first.SendAsync($$"""{"type":"data","id":"{{subscription.Id}}","event":"1"}""");
        Assert.Equal(["1"], await Take(subscription, 1)); // received at t=600: watchdog now due at t=1600
        clock.Advance(TimeSpan.FromMilliseconds(600)); // t=1200: past the first deadline, not the reset one

        await client.PublishAsync("/chat/other", ["{}"], CancellationToken.None); // round trip on the same socket (reply resets again: due t=2200)
        Assert.Single(_server.Connections);
        Assert.False(disconnected.Task.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(1000)); // t=2200: no message for 1000 ms

        var change = await disconnected.Task.WaitAsync(Wait);
        Assert.Equal(EventsErrorSource.Timeout, change.Error!.ErrorSource);
        Assert.Equal(EventsErrors.ClientCodes.KeepAliveTimeout, change.Error.ErrorCode);
        var second = await _server.NextConnectionAsync();
        await reconnected.Task.WaitAsync(Wait);
        Assert.Equal(subscription.Id, (await second.NextFrameAsync("subscribe")).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Reconnect_KeepsFailing_GivesUpAndFaultsSubscriptions()
    {
        await using var client = NewClient(reconnectBaseDelay: TimeSpan.FromMilliseconds(5), maxReconnectAttempts: 2);
        var closed = new TaskCompletionSource<EventsConnectionEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionChanged += e =>
        {
            if (e.Kind == EventsConnectionEventKind.Closed)
            {
                closed.TrySetResult(e);
            }
        };
        var subscription = await client.SubscribeAsync("/chat/c1", CancellationToken.None);
        _server.ConnectionErrorFrame = """{"type":"connection_error","errors":[{"errorType":"UnauthorizedException","message":"key revoked"}]}""";

        (await _server.NextConnectionAsync()).Abort();

        var change = await closed.Task.WaitAsync(Wait);
        Assert.Equal(EventsErrorSource.Closed, change.Error!.ErrorSource);
        Assert.Equal(EventsErrorSource.ConnectionError, Assert.IsType<AppSyncEventsException>(change.Error.InnerException).ErrorSource);
        Assert.Equal(3, _server.Connections.Count); // the first plus two failed attempts
        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => Take(subscription, 1));
        Assert.Equal(EventsErrorSource.Closed, ex.ErrorSource);
        Assert.Equal(EventsConnectionState.Closed, client.State);
        await Assert.ThrowsAsync<AppSyncEventsException>(() => client.PublishAsync("/chat/c1", ["1"], CancellationToken.None));
    }

    [Fact]
    public async Task WatchConnectionAsync_StreamsChangesUntilClosed()
    {
        var client = NewClient();
        var seen = new List<EventsConnectionEventKind>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Task.Run(async () =>
        {
            var enumerator = client.WatchConnectionAsync().GetAsyncEnumerator();
            var move = enumerator.MoveNextAsync();
            started.SetResult();
            while (await move)
            {
                seen.Add(enumerator.Current.Kind);
                move = enumerator.MoveNextAsync();
            }
        });
        await started.Task;
        await Task.Delay(50); // let the watcher register before connecting

        await client.ConnectAsync(CancellationToken.None);
        await client.DisposeAsync();
        await watch.WaitAsync(Wait);

        Assert.Equal([EventsConnectionEventKind.Connected, EventsConnectionEventKind.Closed], seen);
    }

    [Fact]
    public void RealtimeFromHttp_StandardAndCustomDomains()
    {
        Assert.Equal(
            new Uri("wss://abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.us-east-1.amazonaws.com/event/realtime"),
            EventsEndpoints.RealtimeFromHttp(new Uri("https://abcdefghijklmnopqrstuvwxyz.appsync-api.us-east-1.amazonaws.com/event")));
        Assert.Equal(new Uri("wss://api.example.com/event/realtime"), EventsEndpoints.RealtimeFromHttp(new Uri("https://api.example.com/event")));
        Assert.Equal(new Uri("ws://127.0.0.1:4010/event/realtime"), EventsEndpoints.RealtimeFromHttp(new Uri("http://127.0.0.1:4010/event")));
    }

    [Theory]
    [InlineData("/chat/c1", "{\"channel\":\"/chat/c1\"}")]
    [InlineData("/a/\u00e9/\U0001F600", "{\"channel\":\"/a/\u00e9/\U0001F600\"}")]
    [InlineData("q\"\\\n\u0001/", "{\"channel\":\"q\\\"\\\\\\n\\u0001/\"}")]
    public void SigningBody_Subscribe_MatchesJsonStringify(string channel, string expected) =>
        Assert.Equal(expected, EventsSigningBody.Subscribe(channel));

    [Fact]
    public void SigningBody_Publish_IsCompactChannelThenEvents() =>
        Assert.Equal("{\"channel\":\"/chat/c1\",\"events\":[\"{\\\"a\\\":1}\",\"\\\"x\\\"\"]}", EventsSigningBody.Publish("/chat/c1", ["{\"a\":1}", "\"x\""]));

    private EventsWebSocketClient NewClient(EventsAuthorization? auth = null, TimeSpan? reconnectBaseDelay = null, TimeProvider? clock = null, int maxReconnectAttempts = 20) =>
        new(new EventsWebSocketOptions
        {
            HttpEndpoint = _server.HttpEndpoint,
            RealtimeEndpoint = _server.RealtimeEndpoint,
            Authorization = auth ?? EventsAuthorization.ApiKey("da2-test"),
            TimeProvider = clock ?? TimeProvider.System,
            ReconnectBaseDelay = reconnectBaseDelay ?? TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
            MaxReconnectAttempts = maxReconnectAttempts,
            ConnectTimeout = Wait,
            OperationTimeout = Wait,
        });

    /// <summary>The first <paramref name="count"/> events, or with 0 every event to the end of the subscription.</summary>
    private static Task<List<string>> Take(EventsSubscription subscription, int count) => subscription.ReadEventsAsync().TakeAsync(count, Wait);
}
