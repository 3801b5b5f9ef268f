using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Local.AppSyncEvents;

namespace AppSyncChat.Local.Tests.AppSyncEvents;

/// <summary>The opt-in publish faults (<see cref="AppSyncEventsEmulatorOptions.PublishFaults"/>) for fault campaigns.</summary>
public sealed class EmulatorPublishFaultTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Throttle_Answers429AndDeliversNothing_TheRetryingPublisherReportsIt()
    {
        await using var server = await StartAsync(new EventsPublishFaults { Seed = 1, ThrottleRate = 1 });
        await using var client = Client(server);
        await using var viewer = await client.SubscribeAsync("/chat/faults", CancellationToken.None);
        using var publisher = Publisher(server, attempts: 2);

        var failure = await Assert.ThrowsAsync<AppSyncEventsException>(() => publisher.PublishAsync("/chat/faults", ["{\"n\":1}"], CancellationToken.None));

        Assert.Equal(429, failure.StatusCode);
        Assert.Equal(2, server.Stats.PublishesThrottled);
        Assert.Equal(0, server.Stats.InboundEvents);
    }

    [Fact]
    public async Task ServerErrorAfterDelivery_DeliversThenAnswers500_ARetryDeliversTheEventTwice()
    {
        await using var server = await StartAsync(new EventsPublishFaults { Seed = 1, ServerErrorAfterDeliveryRate = 1 });
        await using var client = Client(server);
        await using var viewer = await client.SubscribeAsync("/chat/faults", CancellationToken.None);
        using var publisher = Publisher(server, attempts: 2);

        var failure = await Assert.ThrowsAsync<AppSyncEventsException>(() => publisher.PublishAsync("/chat/faults", ["{\"n\":1}"], CancellationToken.None));

        Assert.Equal(500, failure.StatusCode);
        Assert.Equal(2, server.Stats.PublishServerErrorsAfterDelivery);
        using var timeout = new CancellationTokenSource(Wait);
        await using var events = viewer.ReadEventsAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync());
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("{\"n\":1}", events.Current);
    }

    [Fact]
    public async Task RetriesSucceed_TheRetryOfAFaultedPublishGetsThrough_OnlyOnce()
    {
        await using var server = await StartAsync(new EventsPublishFaults { Seed = 1, ThrottleRate = 1, RetriesSucceed = true });
        await using var client = Client(server);
        await using var viewer = await client.SubscribeAsync("/chat/faults", CancellationToken.None);
        using var publisher = Publisher(server, attempts: 2);

        await publisher.PublishAsync("/chat/faults", ["{\"n\":1}"], CancellationToken.None); // attempt 1 throttled, attempt 2 through

        Assert.Equal(1, server.Stats.PublishesThrottled);
        Assert.Equal(1, server.Stats.InboundEvents);
        using var once = Publisher(server, attempts: 1);
        var again = await Assert.ThrowsAsync<AppSyncEventsException>(() => once.PublishAsync("/chat/faults", ["{\"n\":1}"], CancellationToken.None));
        Assert.Equal(429, again.StatusCode); // a new publish of the same body draws again
    }

    [Fact]
    public async Task Rates_TheSameSeedDrawsTheSameFaultsInTheSameOrder()
    {
        var faults = new EventsPublishFaults { Seed = 42, ThrottleRate = 0.2, ServerErrorRate = 0.2 };
        var first = await OutcomesAsync(faults);
        var second = await OutcomesAsync(faults);

        Assert.Equal(first, second);
        Assert.Contains(429, first);
        Assert.Contains(500, first);
        Assert.Contains(0, first);
    }

    [Theory]
    [InlineData("throttle=1.5")]
    [InlineData("throttle=0.6,error=0.6")]
    [InlineData("delay=3")]
    [InlineData("throttle")]
    public void Parse_RefusesBadSpecs(string spec) =>
        Assert.ThrowsAny<Exception>(() => EventsPublishFaults.Parse(spec));

    [Fact]
    public void Parse_ReadsEveryKey() =>
        Assert.Equal(
            new EventsPublishFaults { Seed = 7, ThrottleRate = 0.02, ServerErrorRate = 0.02, ServerErrorAfterDeliveryRate = 0.01, RetriesSucceed = true },
            EventsPublishFaults.Parse("seed=7, throttle=0.02, error=0.02, error-after-delivery=0.01, retries-succeed=true"));

    private static async Task<List<int>> OutcomesAsync(EventsPublishFaults faults)
    {
        await using var server = await StartAsync(faults);
        using var publisher = Publisher(server, attempts: 1);
        var outcomes = new List<int>();
        for (var i = 0; i < 40; i++)
        {
            try
            {
                await publisher.PublishAsync("/chat/faults", ["{\"n\":1}"], CancellationToken.None);
                outcomes.Add(0);
            }
            catch (AppSyncEventsException ex)
            {
                outcomes.Add(ex.StatusCode ?? -1);
            }
        }

        return outcomes;
    }

    private static Task<AppSyncEventsEmulatorServer> StartAsync(EventsPublishFaults faults)
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        return AppSyncEventsEmulatorServer.StartAsync(new AppSyncEventsEmulatorOptions { HttpPort = 0, TlsPort = -1, PublishFaults = faults }, CancellationToken.None);
    }

    private static EventsWebSocketClient Client(AppSyncEventsEmulatorServer server) => new(new EventsWebSocketOptions
    {
        HttpEndpoint = server.HttpPublishEndpoint,
        Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
        ConnectTimeout = Wait,
        OperationTimeout = Wait,
    });

    private static EventsHttpPublisher Publisher(AppSyncEventsEmulatorServer server, int attempts) => new(new EventsHttpPublisherOptions
    {
        Endpoint = server.HttpPublishEndpoint,
        Authorization = EventsAuthorization.Iam(new Amazon.Runtime.BasicAWSCredentials(AppSyncEventsEmulatorOptions.LocalAccessKeyId, AppSyncEventsEmulatorOptions.LocalSecretAccessKey), "us-east-1"),
        MaxAttempts = attempts,
        MaxDelay = TimeSpan.FromMilliseconds(10),
    });
}
