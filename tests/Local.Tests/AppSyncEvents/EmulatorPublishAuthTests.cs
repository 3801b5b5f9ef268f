using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Local.AppSyncEvents;
using AppSyncChat.Testing;

namespace AppSyncChat.Local.Tests.AppSyncEvents;

/// <summary>
/// The <c>chat</c> namespace accepts publishes from IAM only, with a valid signature, over HTTP and over
/// WebSocket (docs/security.md). Completes <see cref="EmulatorClientTests"/> (API key over both, wrong secret
/// over HTTP): a bearer token, no credential, a wrong secret over WebSocket, a body changed after signing and
/// a signature whose date is too old are all refused, and no event reaches a subscriber.
/// </summary>
public sealed class EmulatorPublishAuthTests : IAsyncLifetime
{
    private const string Token = "publish-auth-test-token";
    private const string Channel = "/chat/c0ffee";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly HttpClient Http = new() { Timeout = Wait };

    /// <summary>The emulator's clock runs 20 minutes ahead of the signer's: past SigV4's 15-minute skew.</summary>
    private readonly ManualTimeProvider _emulatorClock = new(DateTimeOffset.UtcNow);
    private AppSyncEventsEmulatorServer _server = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        _server = await AppSyncEventsEmulatorServer.StartAsync(
            new AppSyncEventsEmulatorOptions { HttpPort = 0, TlsPort = -1, BearerTokens = [Token], TimeProvider = _emulatorClock },
            CancellationToken.None);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string> Refusals() => new() { "bearer", "none", "wrong secret", "altered body", "expired" };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task HttpPublish_WithoutAValidIamSignature_401AndNothingDelivered(string credential)
    {
        await using var viewer = await ViewerAsync();
        var (headers, body) = Sign(credential, JsonSerializer.Serialize(new { channel = Channel, events = new[] { "{\"n\":1}" } }));

        using var request = new HttpRequestMessage(HttpMethod.Post, _server.HttpPublishEndpoint) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        foreach (var (name, value) in headers.Where(h => !h.Key.Equals("host", StringComparison.OrdinalIgnoreCase)))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("UnauthorizedException", answer.RootElement.GetProperty("errors")[0].GetProperty("errorType").GetString());
        await AssertNothingDeliveredAsync(viewer);
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task WebSocketPublish_WithoutAValidIamSignature_PublishErrorAndNothingDelivered(string credential)
    {
        await using var viewer = await ViewerAsync();
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("aws-appsync-event-ws");
        socket.Options.SetRequestHeader("x-api-key", AppSyncEventsEmulatorOptions.LocalApiKey); // connecting with the API key is allowed
        await socket.ConnectAsync(_server.RealtimeEndpoint, CancellationToken.None);
        await SendAsync(socket, """{"type":"connection_init"}""");
        Assert.Equal("connection_ack", (await ReceiveAsync(socket)).GetProperty("type").GetString());

        string[] events = ["{\"n\":1}"];
        var (headers, signedEvents) = SignWebSocket(credential, events);
        var frame = new Dictionary<string, object>
        {
            ["type"] = "publish",
            ["id"] = "p1",
            ["channel"] = Channel,
            ["events"] = signedEvents,
            ["authorization"] = headers,
        };
        await SendAsync(socket, JsonSerializer.Serialize(frame));
        var reply = await ReceiveAsync(socket);

        Assert.Equal("publish_error", reply.GetProperty("type").GetString());
        Assert.Equal("UnauthorizedException", reply.GetProperty("errors")[0].GetProperty("errorType").GetString());
        await AssertNothingDeliveredAsync(viewer);
    }

    [Fact]
    public async Task ValidIamSignature_IsDelivered_TheRefusalsAboveAreNotVacuous()
    {
        await using var viewer = await ViewerAsync();
        var (headers, body) = Sign("iam", JsonSerializer.Serialize(new { channel = Channel, events = new[] { "{\"n\":1}" } }));
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.HttpPublishEndpoint) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        foreach (var (name, value) in headers.Where(h => !h.Key.Equals("host", StringComparison.OrdinalIgnoreCase)))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(["{\"n\":1}"], await viewer.Subscription.ReadEventsAsync().TakeAsync(1, Wait));
    }

    /// <summary>Headers and the body actually sent, for one way of (not) holding the right IAM credentials.</summary>
    private (Dictionary<string, string> Headers, string Body) Sign(string credential, string body) => credential switch
    {
        "bearer" => (new() { ["authorization"] = Token }, body),
        "none" => (new(), body),
        "wrong secret" => (SigV4(body, "wrong-secret"), body),
        "altered body" => (SigV4(body, AppSyncEventsEmulatorOptions.LocalSecretAccessKey), body.Replace("\\u0022n\\u0022:1", "\\u0022n\\u0022:2", StringComparison.Ordinal).Replace("\\\"n\\\":1", "\\\"n\\\":2", StringComparison.Ordinal)),
        "expired" => (SigV4Expired(body), body),
        _ => (SigV4(body, AppSyncEventsEmulatorOptions.LocalSecretAccessKey), body),
    };

    /// <summary>The authorization object of a WebSocket publish (AppSync's recipe: POST /event over the channel and events) and the events sent.</summary>
    private (Dictionary<string, string> Headers, string[] Events) SignWebSocket(string credential, string[] events)
    {
        var signedBody = EmulatorWire.SignedBody(Channel, events);
        var (headers, _) = Sign(credential, signedBody);
        return (headers, credential == "altered body" ? ["{\"n\":2}"] : events);
    }

    private Dictionary<string, string> SigV4Expired(string body)
    {
        _emulatorClock.Advance(TimeSpan.FromMinutes(20));
        return SigV4(body, AppSyncEventsEmulatorOptions.LocalSecretAccessKey);
    }

    private Dictionary<string, string> SigV4(string body, string secret)
    {
        var request = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = _server.HttpPublishEndpoint, Content = Encoding.UTF8.GetBytes(body) };
        request.Headers["content-type"] = "application/json";
        var signed = AWSSigV4Signer.Sign(request, new AWSSigV4Parameters
        {
            Credentials = new BasicAWSCredentials(AppSyncEventsEmulatorOptions.LocalAccessKeyId, secret),
            Region = Amazon.RegionEndpoint.USEast1,
            Service = "appsync",
        });
        return signed.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value, StringComparer.Ordinal);
    }

    private sealed record Viewer(EventsWebSocketClient Client, EventsSubscription Subscription) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Subscription.DisposeAsync();
            await Client.DisposeAsync();
        }
    }

    private async Task<Viewer> ViewerAsync()
    {
        var client = new EventsWebSocketClient(new EventsWebSocketOptions
        {
            HttpEndpoint = _server.HttpPublishEndpoint,
            Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
            ConnectTimeout = Wait,
            OperationTimeout = Wait,
        });
        return new Viewer(client, await client.SubscribeAsync(Channel, CancellationToken.None));
    }

    private async Task AssertNothingDeliveredAsync(Viewer viewer)
    {
        using var settle = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var received = new List<string>();
        try
        {
            await foreach (var e in viewer.Subscription.ReadEventsAsync(settle.Token))
            {
                received.Add(e);
            }
        }
        catch (OperationCanceledException)
        {
        }

        Assert.Empty(received);
        using var stats = JsonDocument.Parse(await Http.GetStringAsync(new Uri(_server.HttpBaseAddress, "/_emulator/stats")));
        Assert.Equal(0, stats.RootElement.GetProperty("inboundEvents").GetInt64());
    }

    private static Task SendAsync(ClientWebSocket socket, string json) => EmulatorClientTests.SendAsync(socket, json);

    /// <summary>The next frame that is not a keep-alive.</summary>
    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        while (true)
        {
            var frame = await EmulatorClientTests.ReceiveAsync(socket);
            if (frame.GetProperty("type").GetString() != "ka")
            {
                return frame;
            }
        }
    }
}
