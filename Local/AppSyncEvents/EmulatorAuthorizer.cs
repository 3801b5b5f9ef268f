using System.Text;
using AppSyncChat.Local.Signing;
using AppSyncChat.Aws.AppSyncEvents;

namespace AppSyncChat.Local.AppSyncEvents;

/// <summary>Outcome of an authorization check: success, or the AWS error type and message to answer with.</summary>
internal readonly record struct AuthResult(bool Allowed, EventsAuthMode? Mode, string? ErrorType, string? Message)
{
    public static AuthResult Allow(EventsAuthMode mode) => new(true, mode, null, null);

    public static AuthResult Deny(string message, EventsAuthMode? mode = null) =>
        new(false, mode, EventsWireNames.ErrorTypes.Unauthorized, message);
}

/// <summary>
/// Checks the auth headers of a connect, subscribe or publish against the allowed modes: API key, IAM
/// (the SigV4 signature verified by <see cref="SigV4Verifier"/> against the configured credentials) and
/// bearer tokens.
/// </summary>
internal sealed class EmulatorAuthorizer
{
    private readonly AppSyncEventsEmulatorOptions _options;
    private readonly HashSet<string> _apiKeys;
    private readonly HashSet<string> _tokens;
    private readonly SigV4Verifier _verifier;

    public EmulatorAuthorizer(AppSyncEventsEmulatorOptions options)
    {
        _options = options;
        _apiKeys = new HashSet<string>(options.ApiKeys, StringComparer.Ordinal);
        _tokens = new HashSet<string>(options.BearerTokens, StringComparer.Ordinal);
        _verifier = new SigV4Verifier(new SigV4VerifierOptions
        {
            Credentials = options.Credentials,
            Region = options.Region,
            Service = EventsWireNames.SigningService,
            TimeProvider = options.TimeProvider,
        });
    }

    /// <summary>Which mode the headers use: IAM for a SigV4 <c>Authorization</c>, bearer for any other <c>Authorization</c>, else API key.</summary>
    public static EventsAuthMode? DetectMode(IReadOnlyDictionary<string, string> headers)
    {
        if (headers.TryGetValue("authorization", out var authorization) && !string.IsNullOrWhiteSpace(authorization))
        {
            return authorization.TrimStart().StartsWith("AWS4-HMAC-SHA256", StringComparison.Ordinal) ? EventsAuthMode.Iam : EventsAuthMode.BearerToken;
        }

        return headers.TryGetValue("x-api-key", out var key) && !string.IsNullOrWhiteSpace(key) ? EventsAuthMode.ApiKey : null;
    }

    /// <summary>
    /// Authorizes one operation. For IAM, <paramref name="signedRequest"/> supplies the request the client signed
    /// (the real HTTP request, or AppSync's <c>POST /event</c> recipe with the operation's body).
    /// </summary>
    public AuthResult Authorize(IReadOnlyDictionary<string, string> headers, IReadOnlyList<EventsAuthMode> allowed, Func<SigV4Request> signedRequest)
    {
        var mode = DetectMode(headers);
        if (mode is null)
        {
            return AuthResult.Deny("Missing authorization: send x-api-key, a SigV4 Authorization, or a token.");
        }

        if (!allowed.Contains(mode.Value))
        {
            return AuthResult.Deny($"Auth mode {WireName(mode.Value)} is not allowed for this operation (allowed: {string.Join(", ", allowed.Select(WireName))}).", mode);
        }

        switch (mode.Value)
        {
            case EventsAuthMode.ApiKey:
                return _apiKeys.Contains(headers["x-api-key"].Trim()) ? AuthResult.Allow(mode.Value) : AuthResult.Deny("Invalid API key.", mode);
            case EventsAuthMode.BearerToken:
                var token = headers["authorization"].Trim();
                if (token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                {
                    token = token[7..].Trim();
                }

                return _tokens.Contains(token) ? AuthResult.Allow(mode.Value) : AuthResult.Deny("Invalid or expired token.", mode);
            default:
                var result = _verifier.Verify(signedRequest());
                return result.IsValid ? AuthResult.Allow(mode.Value) : AuthResult.Deny($"{result.Failure!.ErrorCode}: {result.Failure.Message}", mode);
        }
    }

    /// <summary>A SigV4 request for AppSync's WebSocket recipe: <c>POST /event</c>, the headers of the authorization object, the operation body.</summary>
    public static SigV4Request WebSocketRecipe(IReadOnlyDictionary<string, string> headers, string body) =>
        new("POST", EventsWireNames.PublishPath, headers, Encoding.UTF8.GetBytes(body));

    public static string WireName(EventsAuthMode mode) => mode switch
    {
        EventsAuthMode.ApiKey => "API_KEY",
        EventsAuthMode.Iam => "AWS_IAM",
        _ => "AMAZON_COGNITO_USER_POOLS",
    };

    public AppSyncEventsEmulatorOptions Options => _options;
}
