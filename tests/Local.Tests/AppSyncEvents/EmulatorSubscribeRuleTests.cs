using System.Collections.Concurrent;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Local.AppSyncEvents;

namespace AppSyncChat.Local.Tests.AppSyncEvents;

/// <summary>The emulator's stand-in for namespace <c>onSubscribe</c> handlers (<see cref="AppSyncEventsEmulatorOptions.SubscribeRule"/>).</summary>
public sealed class EmulatorSubscribeRuleTests : IAsyncLifetime
{
    private const string Token = "rule-test-token";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly ConcurrentQueue<EventsSubscribeRequest> _asked = new();
    private AppSyncEventsEmulatorServer _server = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        _server = await AppSyncEventsEmulatorServer.StartAsync(
            new AppSyncEventsEmulatorOptions
            {
                HttpPort = 0,
                TlsPort = -1,
                BearerTokens = [Token],
                SubscribeRule = (request, _) =>
                {
                    _asked.Enqueue(request);
                    return request.Channel == "/chat/boom"
                        ? throw new InvalidOperationException("table unavailable")
                        : ValueTask.FromResult(request.Channel == "/chat/allowed");
                },
            },
            CancellationToken.None);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private EventsWebSocketClient NewClient() =>
        new(new EventsWebSocketOptions
        {
            HttpEndpoint = _server.HttpPublishEndpoint,
            Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
            ConnectTimeout = Wait,
            OperationTimeout = Wait,
        });

    [Fact]
    public async Task Subscribe_RuleRefuses_UnauthorizedSubscribeErrorAndTheConnectionStaysUsable()
    {
        await using var client = NewClient();

        var refused = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync("/chat/other", CancellationToken.None));
        var failed = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync("/chat/boom", CancellationToken.None));
        await using var allowed = await client.SubscribeAsync("/chat/allowed", CancellationToken.None);

        Assert.Equal((EventsErrorSource.SubscribeError, "UnauthorizedException"), (refused.ErrorSource, refused.ErrorCode));
        Assert.Equal((EventsErrorSource.SubscribeError, "UnauthorizedException"), (failed.ErrorSource, failed.ErrorCode));
        Assert.Contains("table unavailable", failed.Message, StringComparison.Ordinal);

        // The allowed subscription is live: a publish reaches it.
        using var publisher = new EventsHttpPublisher(new EventsHttpPublisherOptions
        {
            Endpoint = _server.HttpPublishEndpoint,
            Authorization = EventsAuthorization.Iam(new Amazon.Runtime.BasicAWSCredentials(AppSyncEventsEmulatorOptions.LocalAccessKeyId, AppSyncEventsEmulatorOptions.LocalSecretAccessKey), "us-east-1"),
        });
        await publisher.PublishAsync("/chat/allowed", ["{\"n\":1}"], CancellationToken.None);
        using var timeout = new CancellationTokenSource(Wait);
        await using var events = allowed.ReadEventsAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("{\"n\":1}", events.Current);
    }

    [Fact]
    public async Task Subscribe_RuleSeesTheNormalizedChannelAndTheCallersCredential()
    {
        await using var client = NewClient();

        await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync("/chat/x1/", CancellationToken.None));
        await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync("/chat/*", CancellationToken.None, EventsAuthorization.BearerToken(Token)));

        var asked = _asked.ToArray();
        Assert.Equal(2, asked.Length);
        Assert.Equal(("/chat/x1", "chat|x1", EventsAuthMode.ApiKey, AppSyncEventsEmulatorOptions.LocalApiKey, (string?)null),
            (asked[0].Channel, string.Join('|', asked[0].Segments), asked[0].AuthMode, asked[0].ApiKey, asked[0].BearerToken));
        Assert.Equal(("/chat/*", "chat|*", EventsAuthMode.BearerToken, (string?)null, Token),
            (asked[1].Channel, string.Join('|', asked[1].Segments), asked[1].AuthMode, asked[1].ApiKey, asked[1].BearerToken));
    }

    [Fact]
    public async Task Subscribe_AuthFailsFirst_RuleNotAsked()
    {
        await using var client = NewClient();

        await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync("/chat/allowed", CancellationToken.None, EventsAuthorization.BearerToken("wrong")));

        Assert.Empty(_asked);
    }
}
