using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Local.AppSyncEvents;
using AppSyncChat.Testing;

namespace AppSyncChat.Local.Tests.AppSyncEvents;

/// <summary>Our <c>Aws/AppSyncEvents</c> clients (and raw sockets for edge cases) against the emulator.</summary>
public sealed class EmulatorClientTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly BasicAWSCredentials LocalCredentials = new(AppSyncEventsEmulatorOptions.LocalAccessKeyId, AppSyncEventsEmulatorOptions.LocalSecretAccessKey);

    private AppSyncEventsEmulatorServer Server => fixture.Server;

    [Fact]
    public async Task HttpPublish_IamToChat_ReachesExactAndWildcardSubscribersOnly()
    {
        var conversation = NewId();
        await using var viewer = NewSocketClient(EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey));
        await using var exact = await viewer.SubscribeAsync($"/chat/{conversation}", CancellationToken.None);
        await using var wildcard = await viewer.SubscribeAsync("/chat/*", CancellationToken.None);
        await using var other = await viewer.SubscribeAsync($"/chat/{NewId()}", CancellationToken.None);
        using var publisher = NewHttpPublisher(EventsAuthorization.Iam(LocalCredentials, "us-east-1"));

        var result = await publisher.PublishAsync($"/chat/{conversation}", ["{\"seq\":0}", "{\"seq\":1}"], CancellationToken.None);

        Assert.True(result.AllSucceeded);
        Assert.Equal([0, 1], result.Successful.Select(s => s.Index));
        Assert.All(result.Successful, s => Assert.False(string.IsNullOrEmpty(s.Identifier)));
        Assert.Equal(["{\"seq\":0}", "{\"seq\":1}"], await Take(exact, 2));
        Assert.Equal(["{\"seq\":0}", "{\"seq\":1}"], await Take(wildcard, 2));
        await viewer.PublishAsync("/default/marker", ["1"], CancellationToken.None); // a round trip: nothing else is in flight
        Assert.Empty(await Drain(other));
    }

    [Fact]
    public async Task HttpPublish_ApiKeyToChat_IsUnauthorizedAndNotRetried()
    {
        using var publisher = NewHttpPublisher(EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey), maxAttempts: 3);

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => publisher.PublishAsync("/chat/c1", ["1"], CancellationToken.None));

        Assert.Equal((401, "UnauthorizedException", false), (ex.StatusCode, ex.ErrorCode, ex.IsRetryable));
        Assert.Contains("AWS_IAM", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpPublish_IamWithWrongSecret_IsRejectedBySignatureCheck()
    {
        using var publisher = NewHttpPublisher(EventsAuthorization.Iam(new BasicAWSCredentials(AppSyncEventsEmulatorOptions.LocalAccessKeyId, "wrong-secret"), "us-east-1"));

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => publisher.PublishAsync("/chat/c1", ["1"], CancellationToken.None));

        Assert.Equal(401, ex.StatusCode);
        Assert.Contains("InvalidSignatureException", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocketPublish_IamWithUnicode_VerifiesAndDelivers()
    {
        var channel = $"/chat/{NewId()}";
        await using var viewer = NewSocketClient(EventsAuthorization.BearerToken(EmulatorFixture.BearerToken));
        await using var subscription = await viewer.SubscribeAsync(channel, CancellationToken.None);
        await using var worker = NewSocketClient(EventsAuthorization.Iam(LocalCredentials, "us-east-1"));
        var text = "{\"text\":\"héllo 👋 \\\"q\\\" </script> \\u0001\"}";

        var result = await worker.PublishAsync(channel, [text], CancellationToken.None);

        Assert.True(result.AllSucceeded);
        Assert.Equal([text], await Take(subscription, 1));
    }

    [Fact]
    public async Task WebSocketPublish_ApiKeyToChat_IsPublishErrorUnauthorized()
    {
        await using var client = NewSocketClient(EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey));

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.PublishAsync("/chat/c1", ["1"], CancellationToken.None));

        Assert.Equal((EventsErrorSource.PublishError, "UnauthorizedException"), (ex.ErrorSource, ex.ErrorCode));
    }

    [Fact]
    public async Task Subscribe_BadTokenUnknownNamespaceAndLimit_AreTypedSubscribeErrors()
    {
        await using var client = NewSocketClient(EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey));

        var badToken = await Assert.ThrowsAsync<AppSyncEventsException>(() =>
            client.SubscribeAsync("/chat/c1", CancellationToken.None, EventsAuthorization.BearerToken("not-a-token")));
        var unknown = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.SubscribeAsync("/nope/c1", CancellationToken.None));

        Assert.Equal((EventsErrorSource.SubscribeError, "UnauthorizedException"), (badToken.ErrorSource, badToken.ErrorCode));
        Assert.Equal((EventsErrorSource.SubscribeError, "ResourceNotFound"), (unknown.ErrorSource, unknown.ErrorCode));
    }

    [Fact]
    public async Task Connect_BadApiKey_IsConnectionErrorUnauthorized()
    {
        await using var client = NewSocketClient(EventsAuthorization.ApiKey("da2-wrong"));

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => client.ConnectAsync(CancellationToken.None));

        Assert.Equal((EventsErrorSource.ConnectionError, "UnauthorizedException", false), (ex.ErrorSource, ex.ErrorCode, ex.IsRetryable));
    }

    [Fact]
    public async Task Wildcard_MatchesAnyDepthBelowItsPrefixButNotThePrefixItself()
    {
        var root = $"/default/{NewId()}";
        await using var client = NewSocketClient(EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey));
        await using var wildcard = await client.SubscribeAsync(root + "/*", CancellationToken.None);

        await client.PublishAsync(root, ["\"prefix itself\""], CancellationToken.None);
        await client.PublishAsync(root + "/a", ["\"depth 1\""], CancellationToken.None);
        await client.PublishAsync(root + "/a/b/c", ["\"depth 3\""], CancellationToken.None);

        Assert.Equal(["\"depth 1\"", "\"depth 3\""], await Take(wildcard, 2));
        Assert.Empty(await Drain(wildcard));
    }

    [Fact]
    public async Task HttpPublish_RawLimits_SixEventsIs400AndOversizeEventIsFailedItem()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("x-api-key", AppSyncEventsEmulatorOptions.LocalApiKey);
        var endpoint = Server.HttpPublishEndpoint;

        using var six = await http.PostAsJsonAsync(endpoint, new PublishBody("/default/x", [.. Enumerable.Repeat("1", 6)]), LocalTestsJson.Default.PublishBody);
        var big = "\"" + new string('x', 240 * 1024) + "\"";
        using var oversize = await http.PostAsJsonAsync(endpoint, new PublishBody("/default/x", ["1", big]), LocalTestsJson.Default.PublishBody);
        using var wildcard = await http.PostAsJsonAsync(endpoint, new PublishBody("/default/*", ["1"]), LocalTestsJson.Default.PublishBody);

        Assert.Equal(HttpStatusCode.BadRequest, six.StatusCode);
        Assert.Equal("BadRequestException", ErrorTypeOf(await six.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.BadRequest, wildcard.StatusCode);
        Assert.Equal(HttpStatusCode.OK, oversize.StatusCode);
        using var doc = JsonDocument.Parse(await oversize.Content.ReadAsStringAsync());
        Assert.Equal(0, doc.RootElement.GetProperty("successful")[0].GetProperty("index").GetInt32());
        var failed = doc.RootElement.GetProperty("failed")[0];
        Assert.Equal((1, 400), (failed.GetProperty("index").GetInt32(), failed.GetProperty("code").GetInt32()));
    }

    [Fact]
    public async Task RawSocket_AckHasTopLevelTimeout_KeepAlivesFlow_UpgradeHeaderAuthWorks()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("aws-appsync-event-ws");
        socket.Options.SetRequestHeader("x-api-key", AppSyncEventsEmulatorOptions.LocalApiKey); // Android-style auth
        await socket.ConnectAsync(Server.RealtimeEndpoint, CancellationToken.None);
        Assert.Equal("aws-appsync-event-ws", socket.SubProtocol);

        await SendAsync(socket, """{"type":"connection_init"}""");
        var ack = await ReceiveAsync(socket);
        Assert.Equal("connection_ack", ack.GetProperty("type").GetString());
        Assert.Equal(300000, ack.GetProperty("connectionTimeoutMs").GetInt32());
        Assert.Equal("ka", (await ReceiveAsync(socket)).GetProperty("type").GetString()); // every 200 ms in this fixture

        await SendAsync(socket, """{"type":"unsubscribe","id":"never-subscribed"}""");
        var unsubscribeError = await ReceiveUntilAsync(socket, "unsubscribe_error");
        Assert.Equal("UnknownOperationError", unsubscribeError.GetProperty("errors")[0].GetProperty("errorType").GetString());
        await SendAsync(socket, """{"type":"bogus","id":"x1"}""");
        var error = await ReceiveUntilAsync(socket, "error");
        Assert.Equal("UnsupportedOperation", error.GetProperty("errors")[0].GetProperty("errorType").GetString());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task RawSocket_IamAsUpgradeHeaders_IsAcknowledged_WrongSecretIsConnectionError()
    {
        var ok = await ConnectWithIamHeadersAsync(AppSyncEventsEmulatorOptions.LocalSecretAccessKey);
        Assert.True(ok == "connection_ack", ok);
        var denied = await ConnectWithIamHeadersAsync("wrong-secret");
        Assert.StartsWith("connection_error", denied, StringComparison.Ordinal);
        Assert.Contains("InvalidSignatureException", denied, StringComparison.Ordinal);
    }

    /// <summary>Android-style connect: the IAM-signed recipe (<c>POST /event</c>, body <c>{}</c>) sent as real upgrade headers.</summary>
    private async Task<string?> ConnectWithIamHeadersAsync(string secret)
    {
        var request = new Amazon.Runtime.Signing.AWSSigningRequest
        {
            HttpMethod = HttpMethod.Post,
            RequestUri = Server.HttpPublishEndpoint,
            Content = "{}"u8.ToArray(),
        };
        // .NET's WebSocket upgrade (a GET without content) cannot carry content-* headers, so this client signs
        // only headers it can send; the emulator verifies whatever SignedHeaders lists.
        request.Headers["accept"] = "application/json, text/javascript";
        var signed = Amazon.Runtime.Signing.AWSSigV4Signer.Sign(request, new Amazon.Runtime.Signing.AWSSigV4Parameters
        {
            Credentials = new BasicAWSCredentials(AppSyncEventsEmulatorOptions.LocalAccessKeyId, secret),
            Region = Amazon.RegionEndpoint.USEast1,
            Service = "appsync",
        });

        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("aws-appsync-event-ws");
        socket.Options.SetRequestHeader("accept", "application/json, text/javascript");
        foreach (var (name, value) in signed.Headers)
        {
            socket.Options.SetRequestHeader(name, value);
        }

        await socket.ConnectAsync(Server.RealtimeEndpoint, CancellationToken.None);
        await SendAsync(socket, """{"type":"connection_init"}""");
        var frame = await ReceiveAsync(socket);
        return frame.GetProperty("type").GetString() + (frame.TryGetProperty("errors", out var errors) ? " " + errors.GetRawText() : string.Empty);
    }

    [Fact]
    public async Task Tls_ClientsPinningTheGeneratedCertificate_PublishAndSubscribe()
    {
        Assert.True(File.Exists(Server.CertificatePemPath));
        Assert.Contains("BEGIN CERTIFICATE", await File.ReadAllTextAsync(Server.CertificatePemPath!), StringComparison.Ordinal);
        var thumbprint = Server.Certificate!.Thumbprint;
        var httpEndpoint = new Uri(Server.TlsBaseAddress!, "/event");
        await using var viewer = new EventsWebSocketClient(new EventsWebSocketOptions
        {
            HttpEndpoint = httpEndpoint,
            Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
            ConfigureWebSocket = o => o.RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == thumbprint,
        });
        await using var subscription = await viewer.SubscribeAsync("/default/tls", CancellationToken.None);
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == thumbprint;
        using var publisher = new EventsHttpPublisher(new EventsHttpPublisherOptions
        {
            Endpoint = httpEndpoint,
            Authorization = EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey),
        }, handler);

        await publisher.PublishAsync("/default/tls", ["\"over tls\""], CancellationToken.None);

        Assert.Equal(["\"over tls\""], await Take(subscription, 1));
    }

    [Fact]
    public async Task StatsEndpoint_CountsPublishesInboundAndOutbound()
    {
        using var http = new HttpClient();
        var before = await ReadStatsAsync(http);
        await using var client = NewSocketClient(EventsAuthorization.ApiKey(AppSyncEventsEmulatorOptions.LocalApiKey));
        var channel = $"/default/{NewId()}";
        await using var a = await client.SubscribeAsync(channel, CancellationToken.None);
        await using var b = await client.SubscribeAsync("/default/*", CancellationToken.None);

        await client.PublishAsync(channel, ["1", "2", "3"], CancellationToken.None);
        await Take(a, 3);
        await Take(b, 3);
        var after = await ReadStatsAsync(http);

        Assert.Equal(Server.Options.ApiId, after.GetProperty("apiId").GetString());
        Assert.True(after.GetProperty("webSocketPublishRequests").GetInt64() - before.GetProperty("webSocketPublishRequests").GetInt64() >= 1);
        Assert.True(after.GetProperty("inboundEvents").GetInt64() - before.GetProperty("inboundEvents").GetInt64() >= 3);
        Assert.True(after.GetProperty("outboundMessages").GetInt64() - before.GetProperty("outboundMessages").GetInt64() >= 6);
    }

    private async Task<JsonElement> ReadStatsAsync(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri(Server.HttpBaseAddress, "/_emulator/stats")));
        return doc.RootElement.Clone();
    }

    private EventsWebSocketClient NewSocketClient(EventsAuthorization auth) =>
        new(new EventsWebSocketOptions { HttpEndpoint = Server.HttpPublishEndpoint, Authorization = auth, ConnectTimeout = Wait, OperationTimeout = Wait });

    private EventsHttpPublisher NewHttpPublisher(EventsAuthorization auth, int maxAttempts = 1) =>
        new(new EventsHttpPublisherOptions { Endpoint = Server.HttpPublishEndpoint, Authorization = auth, MaxAttempts = maxAttempts });

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static string? ErrorTypeOf(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("errors")[0].GetProperty("errorType").GetString();
    }

    internal static Task<List<string>> Take(EventsSubscription subscription, int count) => subscription.ReadEventsAsync().TakeAsync(count, Wait);

    /// <summary>Whatever is already buffered, after a short settle time.</summary>
    private static async Task<List<string>> Drain(EventsSubscription subscription)
    {
        var list = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        try
        {
            await foreach (var e in subscription.ReadEventsAsync(cts.Token))
            {
                list.Add(e);
            }
        }
        catch (OperationCanceledException)
        {
        }

        return list;
    }

    internal static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<JsonElement> ReceiveUntilAsync(ClientWebSocket socket, string type)
    {
        while (true)
        {
            var frame = await ReceiveAsync(socket);
            if (frame.GetProperty("type").GetString() == type)
            {
                return frame;
            }
        }
    }

    internal static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        using var cts = new CancellationTokenSource(Wait);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, cts.Token);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        using var doc = JsonDocument.Parse(message.ToArray());
        return doc.RootElement.Clone();
    }
}

public sealed record PublishBody(string channel, string[] events);

[System.Text.Json.Serialization.JsonSerializable(typeof(PublishBody))]
internal sealed partial class LocalTestsJson : System.Text.Json.Serialization.JsonSerializerContext;
