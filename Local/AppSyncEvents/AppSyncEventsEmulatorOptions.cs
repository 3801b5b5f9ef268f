namespace AppSyncChat.Local.AppSyncEvents;

/// <summary>Auth modes the emulator knows (AppSync names in comments).</summary>
public enum EventsAuthMode
{
    /// <summary><c>API_KEY</c>: <c>x-api-key</c>.</summary>
    ApiKey,

    /// <summary><c>AWS_IAM</c>: SigV4 (service <c>appsync</c>), verified against the configured local credentials.</summary>
    Iam,

    /// <summary>
    /// <c>AMAZON_COGNITO_USER_POOLS</c> / <c>OPENID_CONNECT</c> / <c>AWS_LAMBDA</c>: an <c>Authorization</c> token
    /// (optionally <c>Bearer </c>-prefixed), accepted when it is one of the configured tokens.
    /// </summary>
    BearerToken,
}

/// <summary>A channel namespace and who may publish to and subscribe on it.</summary>
public sealed record EventsNamespaceOptions(string Name, IReadOnlyList<EventsAuthMode> PublishAuthModes, IReadOnlyList<EventsAuthMode> SubscribeAuthModes)
{
    /// <summary>
    /// Parses <c>name:publish=mode,mode:subscribe=mode</c>, modes being <c>api_key</c>, <c>iam</c>, <c>bearer</c>
    /// (e.g. <c>chat:publish=iam:subscribe=api_key,bearer</c>), for command-line and environment configuration.
    /// </summary>
    public static EventsNamespaceOptions Parse(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        var parts = spec.Split(':', StringSplitOptions.TrimEntries);
        IReadOnlyList<EventsAuthMode> publish = [EventsAuthMode.ApiKey, EventsAuthMode.Iam, EventsAuthMode.BearerToken];
        IReadOnlyList<EventsAuthMode> subscribe = publish;
        foreach (var part in parts.Skip(1))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq > 0 ? part[..eq] : throw new FormatException($"Namespace spec '{spec}': '{part}' is not key=modes.");
            var modes = part[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ParseMode).ToArray();
            switch (key)
            {
                case "publish": publish = modes; break;
                case "subscribe": subscribe = modes; break;
                default: throw new FormatException($"Namespace spec '{spec}': unknown key '{key}' (publish, subscribe).");
            }
        }

        return new EventsNamespaceOptions(parts[0], publish, subscribe);
    }

    private static EventsAuthMode ParseMode(string text) => text.ToLowerInvariant() switch
    {
        "api_key" or "apikey" => EventsAuthMode.ApiKey,
        "iam" or "aws_iam" => EventsAuthMode.Iam,
        "bearer" or "cognito" or "oidc" or "lambda" => EventsAuthMode.BearerToken,
        _ => throw new FormatException($"Unknown auth mode '{text}' (api_key, iam, bearer)."),
    };
}

/// <summary>Settings of <see cref="AppSyncEventsEmulatorServer"/>. Defaults match the agreed local stack.</summary>
public sealed record AppSyncEventsEmulatorOptions
{
    public const string LocalApiKey = "da2-localappsyncchatkey";
    public const string LocalAccessKeyId = "AKIDLOCALAPPSYNCCHAT";
    public const string LocalSecretAccessKey = "local-secret-key-not-for-aws";
    public const string LocalRegion = "us-east-1";

    /// <summary>Plain HTTP + WS port on 127.0.0.1 (0: pick a free port).</summary>
    public int HttpPort { get; init; } = 4010;

    /// <summary>HTTPS + WSS port on 127.0.0.1 (0: pick a free port; -1: no TLS listener).</summary>
    public int TlsPort { get; init; } = 4011;

    /// <summary>Where the self-signed certificate's PEM is written (for <c>NODE_EXTRA_CA_CERTS</c>). Null: a temp file.</summary>
    public string? CertificatePemPath { get; init; }

    /// <summary>The API id reported by the stats endpoint.</summary>
    public string ApiId { get; init; } = "localappsyncchatevents0000";

    public IReadOnlyList<string> ApiKeys { get; init; } = [LocalApiKey];

    /// <summary>Secret access keys by access key id, for IAM.</summary>
    public IReadOnlyDictionary<string, string> Credentials { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { [LocalAccessKeyId] = LocalSecretAccessKey };

    public string Region { get; init; } = LocalRegion;

    /// <summary>Tokens accepted in <see cref="EventsAuthMode.BearerToken"/> mode (compared without a <c>Bearer </c> prefix).</summary>
    public IReadOnlyList<string> BearerTokens { get; init; } = [];

    /// <summary>
    /// Namespaces. Default: <c>chat</c> as deployed (publish IAM only; subscribe API key or bearer token) and
    /// <c>default</c> (every mode for both).
    /// </summary>
    public IReadOnlyList<EventsNamespaceOptions> Namespaces { get; init; } =
    [
        new("chat", [EventsAuthMode.Iam], [EventsAuthMode.ApiKey, EventsAuthMode.BearerToken]),
        new("default", [EventsAuthMode.ApiKey, EventsAuthMode.Iam, EventsAuthMode.BearerToken], [EventsAuthMode.ApiKey, EventsAuthMode.Iam, EventsAuthMode.BearerToken]),
    ];

    /// <summary>
    /// Stands in for the namespaces' <c>onSubscribe</c> handlers (APPSYNC_JS code the emulator cannot run): called
    /// for every subscribe that passed the auth check, before it is acknowledged. False refuses it as a handler's
    /// <c>util.unauthorized()</c> does (<c>subscribe_error</c>, <c>UnauthorizedException</c>). Null: no handler,
    /// every authorized subscribe passes. The Local stack sets the chat namespace's owner check here.
    /// </summary>
    public Func<EventsSubscribeRequest, CancellationToken, ValueTask<bool>>? SubscribeRule { get; init; }

    /// <summary>Auth modes accepted to open a WebSocket (the API's connection auth modes).</summary>
    public IReadOnlyList<EventsAuthMode> ConnectionAuthModes { get; init; } = [EventsAuthMode.ApiKey, EventsAuthMode.Iam, EventsAuthMode.BearerToken];

    /// <summary>Interval of <c>ka</c> frames (AWS: 60 s).</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>connectionTimeoutMs</c> announced in <c>connection_ack</c> (AWS: 300 000).</summary>
    public int ConnectionTimeoutMs { get; init; } = 300_000;

    /// <summary>Subscriptions per connection (AWS default quota 200, UNCONFIRMED).</summary>
    public int MaxSubscriptionsPerConnection { get; init; } = 200;

    /// <summary>Frames queued for one connection before it is closed as too slow.</summary>
    public int SendQueueCapacity { get; init; } = 4096;

    /// <summary>Longest life of one WebSocket (AWS: 24 h).</summary>
    public TimeSpan MaxConnectionDuration { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Largest HTTP publish body / inbound WebSocket message (AWS: 1.2 MB request, UNCONFIRMED).</summary>
    public int MaxRequestBytes { get; init; } = 1_200_000;

    /// <summary>
    /// A <c>data</c> frame larger than this is not sent; the subscriber gets a <c>broadcast_error</c> instead
    /// (an emulator rule standing in for the service's delivery failures).
    /// </summary>
    public int MaxOutboundFrameBytes { get; init; } = 512 * 1024;

    /// <summary>Faults injected into HTTP publishes (fault campaigns); null, the default, injects none.</summary>
    public EventsPublishFaults? PublishFaults { get; init; }

    /// <summary>Clock for keep-alives, IAM signature freshness and connection lifetime.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Log sink; null logs nothing.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// A subscribe the <see cref="AppSyncEventsEmulatorOptions.SubscribeRule"/> decides on: the channel as
/// normalized segments (<c>["chat", "abc"]</c>, a wildcard as its last segment <c>"*"</c>) and the caller's
/// credential — what an <c>onSubscribe</c> handler sees as <c>ctx.info.channel</c> and <c>ctx.identity</c>.
/// </summary>
public sealed record EventsSubscribeRequest(string Channel, IReadOnlyList<string> Segments, EventsAuthMode AuthMode, string? ApiKey, string? BearerToken);
