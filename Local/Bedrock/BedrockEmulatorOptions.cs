using AppSyncChat.Local.Signing;

namespace AppSyncChat.Local.Bedrock;

/// <summary>How the Bedrock Runtime emulator listens, authenticates, and how fast and how long its model answers by default.</summary>
public sealed record BedrockEmulatorOptions
{
    /// <summary>The agreed default port of the Local stack; tests use 0 (a dynamic port).</summary>
    public const int DefaultPort = 4020;

    /// <summary>Port on 127.0.0.1; 0 picks a free one (read it from <see cref="BedrockEmulatorServer.BaseAddress"/>).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The SigV4 region requests must be signed for.</summary>
    public string Region { get; init; } = SigV4VerifierOptions.LocalRegion;

    /// <summary>Accepted SigV4 credentials: secret by access key id.</summary>
    public IReadOnlyDictionary<string, string> Credentials { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { [SigV4VerifierOptions.LocalAccessKeyId] = SigV4VerifierOptions.LocalSecretAccessKey };

    /// <summary>Accepted Bedrock API keys (<c>Authorization: Bearer &lt;key&gt;</c>). Empty: Bearer auth is refused.</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    /// <summary>When false, requests without any authentication are accepted (a present but wrong signature is still refused).</summary>
    public bool RequireAuthentication { get; init; } = true;

    /// <summary>Time to first token when a request does not say <c>[[ttft=…]]</c>.</summary>
    public TimeSpan TimeToFirstToken { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>Tokens per second after the first when a request does not say <c>[[rate=…]]</c>.</summary>
    public double TokensPerSecond { get; init; } = 40;

    /// <summary>Answer length in tokens when a request does not say <c>[[tokens=…]]</c>.</summary>
    public int AnswerTokens { get; init; } = 80;

    /// <summary>How many recent requests <c>GET /_emulator/requests/{id}</c> can still show.</summary>
    public int RequestLogCapacity { get; init; } = 512;

    /// <summary>Drives the token schedule and the SigV4 clock-skew check.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfNegative(TimeToFirstToken.Ticks, nameof(TimeToFirstToken));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(TokensPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(AnswerTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(RequestLogCapacity);
        ArgumentException.ThrowIfNullOrEmpty(Region);
        ArgumentNullException.ThrowIfNull(Credentials);
        ArgumentNullException.ThrowIfNull(ApiKeys);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
