using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Local.AppSyncEvents;
using AppSyncChat.Testing;
using Xunit.Abstractions;

namespace AppSyncChat.Local.Tests.AppSyncEvents;

/// <summary>Fan-out behaviour: a slow viewer is cut off without slowing others; many viewers; per-connection limits.</summary>
public sealed class EmulatorFanOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private AppSyncEventsEmulatorServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await AppSyncEventsEmulatorServer.StartAsync(new AppSyncEventsEmulatorOptions
        {
            HttpPort = 0,
            TlsPort = -1,
            SendQueueCapacity = 16,
            MaxSubscriptionsPerConnection = 3,
        }, CancellationToken.None);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SlowViewer_IsClosedWhileFastViewerAndPublisherKeepGoing()
    {
        const string channel = "/default/busy";
        using var slow = new ClientWebSocket();
        slow.Options.AddSubProtocol("aws-appsync-event-ws");
        slow.Options.SetRequestHeader("x-api-key", AppSyncEventsEmulatorOptions.LocalApiKey);
        await slow.ConnectAsync(_server.RealtimeEndpoint, CancellationToken.None);
        await slow.SendAsync(Encoding.UTF8.GetBytes(
            """{"type":"subscribe","id":"slow1","channel":"/default/busy","authorization":{"x-api-key":"da2-localappsyncchatkey","host":"h"}}"""),
            WebSocketMessageType.Text, true, CancellationToken.None);
        // The slow viewer never reads again.
        await using var fast = NewClient();
        await using var subscription = await fast.SubscribeAsync(channel, CancellationToken.None);
        await Eventually.TrueAsync(() => _server.Stats.ActiveSubscriptions >= 2);
        using var publisher = new EventsHttpPublisher(new EventsHttpPublisherOptions
        {
            Endpoint = _server.HttpPublishEndpoint,
            Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
        });
        var payload = new string('x', 100 * 1024);
        const int publishes = 60;

        // Lockstep: the fast viewer reads each publish before the next one, so only the slow viewer's queue grows.
        var received = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var reader = subscription.ReadEventsAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        var watch = Stopwatch.StartNew();
        for (var p = 0; p < publishes; p++)
        {
            var batch = Enumerable.Range(0, 5).Select(i => $$"""{"n":{{(p * 5) + i}},"pad":"{{payload}}"}""").ToList();
            var result = await publisher.PublishAsync(channel, batch, timeout.Token);
            Assert.True(result.AllSucceeded);
            for (var i = 0; i < 5; i++)
            {
                Assert.True(await reader.MoveNextAsync());
                received.Add(reader.Current);
            }
        }

        await reader.DisposeAsync();
        output.WriteLine($"{publishes} publishes of 5 × 100 KB, each read by the fast viewer, in {watch.Elapsed.TotalMilliseconds:0} ms; slow connections closed: {_server.Stats.SlowConnectionsClosed}");

        Assert.Equal(Enumerable.Range(0, publishes * 5), received.Select(e => int.Parse(e.AsSpan(5, e.IndexOf(',', StringComparison.Ordinal) - 5), provider: null)));
        Assert.Equal(1, _server.Stats.SlowConnectionsClosed);
        await Eventually.TrueAsync(() => _server.Stats.ActiveConnections == 1);
    }

    [Fact]
    public async Task ManyViewers_AllReceiveEveryEventInOrder()
    {
        const int viewers = 60;
        const int events = 40;
        var clients = new List<EventsWebSocketClient>();
        var subscriptions = new List<EventsSubscription>();
        try
        {
            for (var v = 0; v < viewers; v++)
            {
                var client = NewClient();
                clients.Add(client);
                subscriptions.Add(await client.SubscribeAsync(v % 2 == 0 ? "/default/room" : "/default/*", CancellationToken.None));
            }

            var readers = subscriptions.Select(s => EmulatorClientTests.Take(s, events)).ToList();
            var watch = Stopwatch.StartNew();
            await using var publisher = NewClient();
            for (var e = 0; e < events; e += 5)
            {
                await publisher.PublishAsync("/default/room", Enumerable.Range(e, 5).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), CancellationToken.None);
            }

            var all = await Task.WhenAll(readers);
            output.WriteLine($"{events} events to {viewers} viewers ({events * viewers} data frames) in {watch.Elapsed.TotalMilliseconds:0} ms");

            var expected = Enumerable.Range(0, events).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.All(all, got => Assert.Equal(expected, got));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task SmallEvents_PublishToReceiveLatency_IsReportedAndEverythingArrives()
    {
        // A measurement for the README (printed, not asserted: this machine is shared), plus delivery checks.
        await using var viewer = NewClient();
        await using var subscription = await viewer.SubscribeAsync("/default/latency", CancellationToken.None);
        using var http = new EventsHttpPublisher(new EventsHttpPublisherOptions
        {
            Endpoint = _server.HttpPublishEndpoint,
            Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
        });
        await using var ws = NewClient();
        var reader = subscription.ReadEventsAsync().GetAsyncEnumerator();
        var samples = new Dictionary<string, List<double>> { ["http"] = [], ["ws"] = [] };
        for (var i = 0; i < 100; i++)
        {
            foreach (var (name, publisher) in new (string, IEventsPublisher)[] { ("http", http), ("ws", ws) })
            {
                var body = $$"""{"type":"text.delta","seq":{{i}},"via":"{{name}}","text":"hello world"}""";
                var watch = Stopwatch.StartNew();
                await publisher.PublishAsync("/default/latency", [body], CancellationToken.None);
                Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
                samples[name].Add(watch.Elapsed.TotalMilliseconds);
                Assert.Equal(body, reader.Current);
            }
        }

        await reader.DisposeAsync();
        foreach (var (name, values) in samples)
        {
            values.Sort();
            output.WriteLine($"{name} publish → subscriber receive, 100 small events: p50 {values[50]:0.00} ms, p95 {values[95]:0.00} ms");
        }
    }

    [Fact]
    public async Task SubscriptionsPerConnection_OverTheLimit_IsMaxSubscriptionsReachedError()
    {
        await using var client = NewClient();
        for (var i = 0; i < 3; i++)
        {
            await client.SubscribeAsync($"/default/limit{i}", CancellationToken.None);
        }

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync("/default/limit3", CancellationToken.None));

        Assert.Equal((EventsErrorSource.SubscribeError, "MaxSubscriptionsReachedError", false), (ex.ErrorSource, ex.ErrorCode, ex.IsRetryable));
    }

    [Fact]
    public async Task OversizedDataFrame_IsBroadcastErrorForThatSubscription()
    {
        await using var server = await AppSyncEventsEmulatorServer.StartAsync(new AppSyncEventsEmulatorOptions
        {
            HttpPort = 0,
            TlsPort = -1,
            MaxOutboundFrameBytes = 1024,
        }, CancellationToken.None);
        await using var client = new EventsWebSocketClient(new EventsWebSocketOptions
        {
            HttpEndpoint = server.HttpPublishEndpoint,
            Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
        });
        var broadcast = new TaskCompletionSource<EventsConnectionEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionChanged += e =>
        {
            if (e.Kind == EventsConnectionEventKind.BroadcastError)
            {
                broadcast.TrySetResult(e);
            }
        };
        await using var subscription = await client.SubscribeAsync("/default/big", CancellationToken.None);

        var result = await client.PublishAsync("/default/big", ["\"" + new string('x', 2000) + "\"", "\"small\""], CancellationToken.None);

        Assert.True(result.AllSucceeded); // accepted by the API; delivery to this subscriber failed
        var change = await broadcast.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((subscription.Id, "MessageProcessingError"), (change.SubscriptionId, change.Error!.ErrorCode));
        Assert.Equal(["\"small\""], await EmulatorClientTests.Take(subscription, 1));
        Assert.Equal(1, server.Stats.BroadcastErrors);
    }

    private EventsWebSocketClient NewClient() => new(new EventsWebSocketOptions
    {
        HttpEndpoint = _server.HttpPublishEndpoint,
        Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
    });
}
