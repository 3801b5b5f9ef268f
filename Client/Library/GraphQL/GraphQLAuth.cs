namespace AppSyncChat.Client.GraphQL;

/// <summary>
/// How requests to the GraphQL endpoint authenticate. IAM (SigV4) is not a header value: give
/// <see cref="ChatApiClient"/> an <see cref="HttpClient"/> from <c>SignedHttpClientFactory.Create(…, "appsync")</c>
/// and use <see cref="None"/>.
/// </summary>
public abstract record GraphQLAuth
{
    private GraphQLAuth()
    {
    }

    /// <summary>AppSync API key mode (<c>x-api-key</c> header).</summary>
    public static GraphQLAuth ApiKey(string apiKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        return new ApiKeyAuth(apiKey);
    }

    /// <summary>
    /// Cognito user pools, OIDC or Lambda authorizer: the token is sent as the <c>Authorization</c> header
    /// exactly as given (AppSync accepts a bare JWT; include <c>Bearer </c> yourself if your authorizer wants it).
    /// </summary>
    public static GraphQLAuth Token(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        return new TokenAuth(token);
    }

    /// <summary>No auth header (the HttpClient signs requests itself, or the endpoint is open).</summary>
    public static GraphQLAuth None { get; } = new NoAuth();

    internal abstract void Apply(HttpRequestMessage request);

    private sealed record ApiKeyAuth(string Key) : GraphQLAuth
    {
        internal override void Apply(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation(GraphQLWire.ApiKeyHeader, Key);

        public override string ToString() => "ApiKey(***)";
    }

    private sealed record TokenAuth(string Value) : GraphQLAuth
    {
        internal override void Apply(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation(GraphQLWire.AuthorizationHeader, Value);

        public override string ToString() => "Token(***)";
    }

    private sealed record NoAuth : GraphQLAuth
    {
        internal override void Apply(HttpRequestMessage request)
        {
        }
    }
}
