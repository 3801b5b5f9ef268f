using System.Net.WebSockets;

namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>Settings of <see cref="EventsWebSocketClient"/>.</summary>
public sealed record EventsWebSocketOptions
{
    /// <summary>
    /// The HTTP endpoint of the API, <c>https://&lt;http-domain&gt;/event</c>. Its host is the <c>host</c> of every
    /// authorization object and the URL IAM signatures are computed for, even though the socket goes to the
    /// realtime host.
    /// </summary>
    public required Uri HttpEndpoint { get; init; }

    /// <summary>
    /// The WebSocket endpoint, <c>wss://&lt;realtime-domain&gt;/event/realtime</c>. When null it is derived from
    /// <see cref="HttpEndpoint"/> (see <see cref="EventsEndpoints.RealtimeFromHttp"/>).
    /// </summary>
    public Uri? RealtimeEndpoint { get; init; }

    /// <summary>Authorization for connect, and the default for subscribe and publish.</summary>
    public required EventsAuthorization Authorization { get; init; }

    /// <summary>Clock for signing, the keep-alive watchdog, operation timeouts and reconnect delays.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Time to open the socket and receive <c>connection_ack</c> (Amplify: 15 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Time to receive the reply to a subscribe, unsubscribe or publish (Amplify: 15 s).</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Overrides the keep-alive timeout the server announces in <c>connection_ack</c>. Null uses the announced
    /// <c>connectionTimeoutMs</c> (default 300 000 ms).
    /// </summary>
    public TimeSpan? KeepAliveTimeout { get; init; }

    /// <summary>First reconnect delay; later ones double, with jitter, up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed reconnect attempts after which the client gives up and closes.</summary>
    public int MaxReconnectAttempts { get; init; } = 20;

    /// <summary>Largest inbound frame accepted (bigger frames close the connection).</summary>
    public int MaxInboundMessageBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Extra socket settings (proxy, certificate validation for a local emulator, …).</summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; init; }
}

/// <summary>Endpoint helpers.</summary>
public static class EventsEndpoints
{
    /// <summary>
    /// The realtime URL for an HTTP endpoint: the scheme becomes ws(s), the path <c>/event/realtime</c>, and for a
    /// standard AWS host (<c>*.amazonaws.com[.cn]</c>) <c>appsync-api</c> becomes <c>appsync-realtime-api</c>.
    /// Custom domains and local emulators keep their host.
    /// </summary>
    public static Uri RealtimeFromHttp(Uri httpEndpoint)
    {
        ArgumentNullException.ThrowIfNull(httpEndpoint);
        var host = httpEndpoint.Host;
        if ((host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase))
            && host.Contains(".appsync-api.", StringComparison.OrdinalIgnoreCase))
        {
            host = host.Replace(".appsync-api.", ".appsync-realtime-api.", StringComparison.OrdinalIgnoreCase);
        }

        var builder = new UriBuilder(httpEndpoint)
        {
            Scheme = httpEndpoint.Scheme == Uri.UriSchemeHttp ? "ws" : "wss",
            Host = host,
            Path = EventsWireNames.RealtimePath,
            Query = string.Empty,
        };
        if (httpEndpoint.IsDefaultPort)
        {
            builder.Port = -1;
        }

        return builder.Uri;
    }
}
