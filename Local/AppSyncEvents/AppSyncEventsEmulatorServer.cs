using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AppSyncChat.Local.Signing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging.Abstractions;
using AppSyncChat.Aws.AppSyncEvents;

namespace AppSyncChat.Local.AppSyncEvents;

/// <summary>
/// The AppSync Events emulator: HTTP <c>POST /event</c> and WebSocket <c>/event/realtime</c> on 127.0.0.1, plain
/// (http/ws) and TLS (https/wss, self-signed certificate written as PEM), plus <c>GET /_emulator/stats</c>.
/// See <c>Local/AppSyncEvents/README.md</c> for what is and is not emulated.
/// </summary>
public sealed class AppSyncEventsEmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorCore _core;
    private readonly X509Certificate2? _certificate;
    private readonly bool _deletePem;

    private AppSyncEventsEmulatorServer(WebApplication app, EmulatorCore core, X509Certificate2? certificate, string? pemPath, bool deletePem)
    {
        _app = app;
        _core = core;
        _certificate = certificate;
        CertificatePemPath = pemPath;
        _deletePem = deletePem;
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>: HTTP publish at <c>/event</c>, WebSocket at <c>ws://…/event/realtime</c>.</summary>
    public Uri HttpBaseAddress { get; private set; } = null!;

    /// <summary><c>https://127.0.0.1:&lt;port&gt;</c> (null without a TLS listener): what the Amplify client needs.</summary>
    public Uri? TlsBaseAddress { get; private set; }

    /// <summary>PEM of the self-signed certificate (for <c>NODE_EXTRA_CA_CERTS</c>); null without a TLS listener.</summary>
    public string? CertificatePemPath { get; }

    /// <summary>The TLS certificate (for .NET clients that pin it); null without a TLS listener.</summary>
    public X509Certificate2? Certificate => _certificate;

    public AppSyncEventsEmulatorOptions Options => _core.Options;

    public EmulatorStats Stats => _core.Stats;

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/event</c>.</summary>
    public Uri HttpPublishEndpoint => new(HttpBaseAddress, EventsWireNames.PublishPath);

    /// <summary><c>ws://127.0.0.1:&lt;port&gt;/event/realtime</c>.</summary>
    public Uri RealtimeEndpoint => new UriBuilder(HttpBaseAddress) { Scheme = "ws", Path = EventsWireNames.RealtimePath }.Uri;

    public static async Task<AppSyncEventsEmulatorServer> StartAsync(AppSyncEventsEmulatorOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var logger = options.LoggerFactory?.CreateLogger("AppSyncChat.Local.AppSyncEvents") ?? NullLogger.Instance;
        var core = new EmulatorCore(options, logger);

        X509Certificate2? certificate = null;
        string? pemPath = null;
        var deletePem = false;
        if (options.TlsPort >= 0)
        {
            certificate = SelfSignedCertificate.Create(options.TimeProvider);
            pemPath = options.CertificatePemPath;
            if (string.IsNullOrEmpty(pemPath))
            {
                pemPath = Path.Combine(Path.GetTempPath(), $"appsyncchat-events-{Guid.NewGuid():N}.pem");
                deletePem = true;
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(pemPath));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            await File.WriteAllTextAsync(pemPath, certificate.ExportCertificatePem() + "\n", cancellationToken).ConfigureAwait(false);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(AppSyncEventsEmulatorServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        if (options.LoggerFactory is not null)
        {
            builder.Services.AddSingleton(options.LoggerFactory);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes + (64 * 1024);
            kestrel.Listen(IPAddress.Loopback, options.HttpPort);
            if (certificate is not null)
            {
                kestrel.Listen(IPAddress.Loopback, options.TlsPort, listen => listen.UseHttps(certificate));
            }
        });

        var app = builder.Build();
        var server = new AppSyncEventsEmulatorServer(app, core, certificate, pemPath, deletePem);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"The AppSync Events emulator could not listen on 127.0.0.1:{options.HttpPort} / {options.TlsPort} ({ex.Message}). Is the port taken? Choose others (0 picks a free port).", ex);
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        server.HttpBaseAddress = addresses.First(a => a.Scheme == Uri.UriSchemeHttp);
        server.TlsBaseAddress = addresses.FirstOrDefault(a => a.Scheme == Uri.UriSchemeHttps);
        logger.LogInformation("AppSync Events emulator on {Http} and {Tls}", server.HttpBaseAddress, server.TlsBaseAddress);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _certificate?.Dispose();
            if (_deletePem && CertificatePemPath is not null)
            {
                File.Delete(CertificatePemPath);
            }
        }
    }

    private static void Validate(AppSyncEventsEmulatorOptions options)
    {
        if (options.Namespaces.Count == 0)
        {
            throw new ArgumentException("At least one channel namespace is required.", nameof(options));
        }

        foreach (var ns in options.Namespaces)
        {
            if (EmulatorChannels.NormalizePublish(ns.Name) is not { } n || n.Count(c => c == '/') != 1)
            {
                throw new ArgumentException($"Namespace name '{ns.Name}' is not a valid channel segment.", nameof(options));
            }
        }

        options.PublishFaults?.Validate();
        if (options.KeepAliveInterval <= TimeSpan.Zero || options.SendQueueCapacity < 1 || options.MaxSubscriptionsPerConnection < 1)
        {
            throw new ArgumentException("KeepAliveInterval, SendQueueCapacity and MaxSubscriptionsPerConnection must be positive.", nameof(options));
        }
    }

    private Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        switch (path)
        {
            case EventsWireNames.RealtimePath:
                return HandleWebSocketAsync(context);
            case EventsWireNames.PublishPath when HttpMethods.IsPost(context.Request.Method):
                return HandlePublishAsync(context);
            case EventsWireNames.PublishPath when HttpMethods.IsOptions(context.Request.Method):
                AddCors(context.Response);
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return Task.CompletedTask;
            case EmulatorWire.StatsPath when HttpMethods.IsGet(context.Request.Method):
                return WriteJsonAsync(context, StatusCodes.Status200OK, w => _core.Stats.WriteJson(w, _core.Options.ApiId));
            default:
                return WriteErrorAsync(context, StatusCodes.Status404NotFound, "NotFoundException", $"No route for {context.Request.Method} {path}.");
        }
    }

    private async Task HandleWebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, EventsWireNames.ErrorTypes.BadRequest, "This endpoint accepts WebSocket upgrades only.").ConfigureAwait(false);
            return;
        }

        var protocols = context.WebSockets.WebSocketRequestedProtocols;
        if (!protocols.Contains(EventsWireNames.Subprotocol, StringComparer.Ordinal))
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, EventsWireNames.ErrorTypes.BadRequest,
                $"The WebSocket must offer the '{EventsWireNames.Subprotocol}' subprotocol.").ConfigureAwait(false);
            return;
        }

        var connectHeaders = ReadConnectHeaders(context.Request, protocols);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = EventsWireNames.Subprotocol,
            KeepAliveInterval = TimeSpan.Zero,
        }).ConfigureAwait(false);
        // Connections end when the client leaves or the emulator stops (so shutdown never waits on open sockets).
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _app.Lifetime.ApplicationStopping);
        await new EmulatorConnection(socket, _core, connectHeaders).RunAsync(ended.Token).ConfigureAwait(false);
    }

    /// <summary>The connect auth: the base64url JSON of the <c>header-</c> subprotocol, else the upgrade request's own headers.</summary>
    private static Dictionary<string, string>? ReadConnectHeaders(HttpRequest request, IList<string> protocols)
    {
        var header = protocols.FirstOrDefault(p => p.StartsWith(EventsWireNames.HeaderSubprotocolPrefix, StringComparison.Ordinal));
        if (header is not null)
        {
            try
            {
                var encoded = header[EventsWireNames.HeaderSubprotocolPrefix.Length..].TrimEnd('=').Replace('+', '-').Replace('/', '_');
                using var doc = JsonDocument.Parse(Base64Url.DecodeFromChars(encoded));
                return EmulatorCore.ReadHeaderObject(doc.RootElement);
            }
            catch (Exception ex) when (ex is FormatException or JsonException)
            {
                return null;
            }
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name] = string.Join(',', values.Select(v => v?.Trim()));
        }

        return EmulatorAuthorizer.DetectMode(headers) is null ? null : headers;
    }

    private async Task HandlePublishAsync(HttpContext context)
    {
        AddCors(context.Response);
        var ct = context.RequestAborted;
        if (context.Request.ContentLength > _core.Options.MaxRequestBytes)
        {
            await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, EventsWireNames.ErrorTypes.BadRequest, $"The request exceeds {_core.Options.MaxRequestBytes} bytes.").ConfigureAwait(false);
            return;
        }

        SigV4Request request;
        try
        {
            request = await SigV4HttpRequests.ReadAsync(context.Request, ct).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await WriteErrorAsync(context, ex.StatusCode, EventsWireNames.ErrorTypes.BadRequest, ex.Message).ConfigureAwait(false);
            return;
        }

        if (request.Body.Length > _core.Options.MaxRequestBytes)
        {
            await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, EventsWireNames.ErrorTypes.BadRequest, $"The request exceeds {_core.Options.MaxRequestBytes} bytes.").ConfigureAwait(false);
            return;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(request.Body);
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, EventsWireNames.ErrorTypes.BadRequest, "The body is not valid JSON.").ConfigureAwait(false);
            return;
        }

        using (doc)
        {
            var root = doc.RootElement;
            var channel = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            var normalized = EmulatorChannels.NormalizePublish(channel);
            if (normalized is null)
            {
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, EventsWireNames.ErrorTypes.BadRequest,
                    $"Invalid channel '{channel}': publish needs a concrete channel of 1–5 segments of 1–50 [A-Za-z0-9-] (no wildcard).").ConfigureAwait(false);
                return;
            }

            var ns = _core.FindNamespace(normalized);
            if (ns is null)
            {
                await WriteErrorAsync(context, StatusCodes.Status404NotFound, EventsWireNames.ErrorTypes.ResourceNotFound,
                    $"Channel namespace '{EmulatorChannels.NamespaceOf(normalized)}' does not exist.").ConfigureAwait(false);
                return;
            }

            var auth = _core.Authorizer.Authorize(request.Headers, ns.PublishAuthModes, () => request);
            if (!auth.Allowed)
            {
                _core.Stats.AuthFailed();
                await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, auth.ErrorType!, auth.Message!).ConfigureAwait(false);
                return;
            }

            if (!EmulatorCore.TryReadEvents(root, out var events, out var eventsError))
            {
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, EventsWireNames.ErrorTypes.BadRequest, eventsError).ConfigureAwait(false);
                return;
            }

            var fault = _core.PublishFaults?.Next(request.Body.Span) ?? PublishFault.None;
            if (fault is PublishFault.Throttle or PublishFault.ServerError)
            {
                _core.Stats.PublishFaultInjected(fault);
                await WriteInjectedFaultAsync(context, fault).ConfigureAwait(false);
                return;
            }

            _core.Stats.HttpPublish(events.Count);
            var results = _core.Broker.Publish(normalized, events);
            if (fault == PublishFault.ServerErrorAfterDelivery)
            {
                _core.Stats.PublishFaultInjected(fault);
                await WriteInjectedFaultAsync(context, fault).ConfigureAwait(false);
                return;
            }

            await WriteJsonAsync(context, StatusCodes.Status200OK, w =>
            {
                w.WriteStartObject();
                EmulatorCore.WritePublishResult(w, results);
                w.WriteEndObject();
            }).ConfigureAwait(false);
        }
    }

    /// <summary>The answer of an injected fault (<see cref="EventsPublishFaults"/>): 429 or 500, with the service's error shape.</summary>
    private static Task WriteInjectedFaultAsync(HttpContext context, PublishFault fault) => fault == PublishFault.Throttle
        ? WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, "TooManyRequestsException", "Rate exceeded (injected fault).")
        : WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "InternalFailureException",
            fault == PublishFault.ServerErrorAfterDelivery ? "Internal failure after delivery (injected fault)." : "Internal failure (injected fault).");

    private static void AddCors(HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlAllowHeaders = "*";
        response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string errorType, string message)
    {
        context.Response.Headers["x-amzn-ErrorType"] = errorType;
        return WriteJsonAsync(context, status, w =>
        {
            w.WriteStartObject();
            EmulatorWire.WriteErrors(w, errorType, message);
            w.WriteEndObject();
        });
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, EmulatorWire.WriterOptions))
        {
            write(writer);
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
