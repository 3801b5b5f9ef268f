using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Aws.Tests.AppSyncEvents;

/// <summary>
/// A small AppSync Events WebSocket server for client tests (Kestrel on 127.0.0.1:0). It speaks the message
/// catalogue with scriptable answers, records every inbound frame, and lets a test push frames or drop a
/// connection.
/// </summary>
internal sealed class CatalogueServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ServerConnection> _connections = new();
    private readonly Channel<ServerConnection> _newConnections = Channel.CreateUnbounded<ServerConnection>();

    private CatalogueServer(WebApplication app) => _app = app;

    public Uri HttpEndpoint { get; private set; } = null!;

    public Uri RealtimeEndpoint { get; private set; } = null!;

    /// <summary>Builds the <c>connection_ack</c> (default: top-level <c>connectionTimeoutMs</c> 300000).</summary>
    public string AckFrame { get; set; } = """{"type":"connection_ack","connectionTimeoutMs":300000}""";

    /// <summary>When set, <c>connection_init</c> is answered with this <c>connection_error</c>.</summary>
    public string? ConnectionErrorFrame { get; set; }

    /// <summary>Channels whose subscribe is answered with <c>subscribe_error</c>.</summary>
    public HashSet<string> DenySubscribe { get; } = new(StringComparer.Ordinal);

    /// <summary>Channels whose publish is answered with <c>publish_error</c>.</summary>
    public HashSet<string> DenyPublish { get; } = new(StringComparer.Ordinal);

    /// <summary>Channels whose publish is answered with a generic <c>error</c> frame carrying the id.</summary>
    public HashSet<string> GenericErrorOnPublish { get; } = new(StringComparer.Ordinal);

    /// <summary>Answer unsubscribe with <c>unsubscribe_error</c>.</summary>
    public bool FailUnsubscribe { get; set; }

    public IReadOnlyList<ServerConnection> Connections => [.. _connections];

    public static async Task<CatalogueServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new CatalogueServer(app);
        app.UseWebSockets();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server.HttpEndpoint = new Uri(address, "/event");
        server.RealtimeEndpoint = new UriBuilder(address) { Scheme = "ws", Path = "/event/realtime" }.Uri;
        return server;
    }

    /// <summary>The next connection to be accepted (in order).</summary>
    public async Task<ServerConnection> NextConnectionAsync(TimeSpan? timeout = null) =>
        await _newConnections.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            connection.Abort();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path != "/event/realtime" || !context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 404;
            return;
        }

        var protocols = context.WebSockets.WebSocketRequestedProtocols.ToList();
        using var socket = await context.WebSockets.AcceptWebSocketAsync("aws-appsync-event-ws");
        var connection = new ServerConnection(this, socket, protocols);
        _connections.Enqueue(connection);
        await _newConnections.Writer.WriteAsync(connection);
        await connection.RunAsync(context.RequestAborted);
    }

    internal sealed class ServerConnection(CatalogueServer server, WebSocket socket, IReadOnlyList<string> protocols)
    {
        private readonly SemaphoreSlim _send = new(1, 1);
        private readonly ConcurrentDictionary<string, string> _subscriptions = new(StringComparer.Ordinal);
        private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
        private readonly CancellationTokenSource _abort = new();

        public IReadOnlyList<string> Protocols { get; } = protocols;

        /// <summary>The JSON object carried by the <c>header-</c> subprotocol.</summary>
        public JsonElement HeaderAuth
        {
            get
            {
                var header = Protocols.Single(p => p.StartsWith("header-", StringComparison.Ordinal));
                using var doc = JsonDocument.Parse(Base64Url.DecodeFromChars(header.AsSpan("header-".Length)));
                return doc.RootElement.Clone();
            }
        }

        public IReadOnlyDictionary<string, string> Subscriptions => _subscriptions;

        /// <summary>The next inbound frame of the given type (earlier frames of other types are skipped).</summary>
        public async Task<JsonElement> NextFrameAsync(string type, TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
            while (true)
            {
                var frame = await _frames.Reader.ReadAsync(cts.Token);
                if (frame.GetProperty("type").GetString() == type)
                {
                    return frame;
                }
            }
        }

        public async Task SendAsync(string json)
        {
            await _send.WaitAsync();
            try
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            finally
            {
                _send.Release();
            }
        }

        /// <summary>Drops the TCP connection without a close handshake.</summary>
        public void Abort()
        {
            _abort.Cancel();
            socket.Abort();
        }

        public async Task RunAsync(CancellationToken aborted)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _abort.Token);
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    using var message = new MemoryStream();
                    WebSocketReceiveResult result;
                    do
                    {
                        result = await socket.ReceiveAsync(buffer, linked.Token);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                            return;
                        }

                        message.Write(buffer, 0, result.Count);
                    }
                    while (!result.EndOfMessage);

                    using var doc = JsonDocument.Parse(message.ToArray());
                    var frame = doc.RootElement.Clone();
                    await _frames.Writer.WriteAsync(frame, CancellationToken.None);
                    await AnswerAsync(frame);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }

        private async Task AnswerAsync(JsonElement frame)
        {
            var type = frame.GetProperty("type").GetString();
            var id = frame.TryGetProperty("id", out var i) ? i.GetString() : null;
            var channel = frame.TryGetProperty("channel", out var c) ? c.GetString() : null;
            switch (type)
            {
                case "connection_init":
                    await SendAsync(server.ConnectionErrorFrame ?? server.AckFrame);
                    break;
                case "subscribe" when server.DenySubscribe.Contains(channel!):
                    await SendAsync($$"""{"type":"subscribe_error","id":"{{id}}","errors":[{"errorType":"UnauthorizedException","message":"denied"}]}""");
                    break;
                case "subscribe":
                    _subscriptions[id!] = channel!;
                    await SendAsync($$"""{"type":"subscribe_success","id":"{{id}}"}""");
                    break;
                case "unsubscribe" when server.FailUnsubscribe:
                    await SendAsync($$"""{"type":"unsubscribe_error","id":"{{id}}","errors":[{"errorType":"UnknownOperationError","message":"Unknown operation id {{id}}"}]}""");
                    break;
                case "unsubscribe":
                    _subscriptions.TryRemove(id!, out _);
                    await SendAsync($$"""{"type":"unsubscribe_success","id":"{{id}}"}""");
                    break;
                case "publish" when server.DenyPublish.Contains(channel!):
                    await SendAsync($$"""{"type":"publish_error","id":"{{id}}","errors":[{"errorType":"UnauthorizedException","message":"IAM only"}]}""");
                    break;
                case "publish" when server.GenericErrorOnPublish.Contains(channel!):
                    await SendAsync($$"""{"type":"error","id":"{{id}}","errors":[{"errorType":"LimitExceededError","message":"rate"}]}""");
                    break;
                case "publish":
                    var events = frame.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToList();
                    var successful = string.Join(",", events.Select((_, n) => $$"""{"identifier":"e{{n}}","index":{{n}}}"""));
                    await SendAsync($$"""{"type":"publish_success","id":"{{id}}","successful":[{{successful}}],"failed":[]}""");
                    foreach (var (subscriptionId, subscribed) in _subscriptions)
                    {
                        if (subscribed == channel)
                        {
                            foreach (var e in events)
                            {
                                await SendAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["type"] = "data", ["id"] = subscriptionId, ["event"] = e }, CatalogueJson.Default.DictionaryStringString));
                            }
                        }
                    }

                    break;
                default:
                    break;
            }
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class CatalogueJson : System.Text.Json.Serialization.JsonSerializerContext;
