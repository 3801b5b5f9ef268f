using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>
/// How a client proves itself to AppSync Events (docs/aws-protocols.md §1.4): an API key, IAM (SigV4, service
/// <c>appsync</c>), or a bearer token (Cognito user pools, OIDC, Lambda authorizer). One instance serves the
/// HTTP publisher (as HTTP headers) and the WebSocket client (as the JSON authorization object).
/// </summary>
public abstract class EventsAuthorization
{
    private protected EventsAuthorization()
    {
    }

    /// <summary>The AppSync auth mode name (<c>API_KEY</c>, <c>AWS_IAM</c>, <c>AMAZON_COGNITO_USER_POOLS</c>).</summary>
    public abstract string Mode { get; }

    public static EventsAuthorization ApiKey(string apiKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        return new ApiKeyAuthorization(apiKey);
    }

    /// <summary>SigV4 with <paramref name="credentials"/> (see <c>AwsCredentialsFactory</c>) for <paramref name="region"/>.</summary>
    public static EventsAuthorization Iam(AWSCredentials credentials, string region)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        return new IamAuthorization(credentials, region);
    }

    /// <summary>A fixed bearer token (a Cognito access or id token, an OIDC token or a Lambda-authorizer token).</summary>
    public static EventsAuthorization BearerToken(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        return new BearerAuthorization(_ => ValueTask.FromResult(token));
    }

    /// <summary>A bearer token fetched for every connect and operation, so a refreshed token is used after a reconnect.</summary>
    public static EventsAuthorization BearerToken(Func<CancellationToken, ValueTask<string>> tokenProvider)
    {
        ArgumentNullException.ThrowIfNull(tokenProvider);
        return new BearerAuthorization(tokenProvider);
    }

    /// <summary>Headers to add to an HTTP publish request whose body is <paramref name="body"/>.</summary>
    internal abstract ValueTask<IReadOnlyList<KeyValuePair<string, string>>> GetHttpHeadersAsync(
        Uri endpoint, string contentType, byte[] body, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Entries of the JSON authorization object for a WebSocket connect, subscribe or publish.</summary>
    internal abstract ValueTask<IReadOnlyList<KeyValuePair<string, string>>> GetWebSocketAuthAsync(
        Uri httpEndpoint, string signedBody, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The <c>host</c> value: always the HTTP domain (with a non-default port), never the realtime host.</summary>
    internal static string HostOf(Uri endpoint) => endpoint.IsDefaultPort ? endpoint.Host : endpoint.Authority;

    private sealed class ApiKeyAuthorization(string apiKey) : EventsAuthorization
    {
        public override string Mode => "API_KEY";

        internal override ValueTask<IReadOnlyList<KeyValuePair<string, string>>> GetHttpHeadersAsync(
            Uri endpoint, string contentType, byte[] body, DateTimeOffset now, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<KeyValuePair<string, string>>>([new(EventsWireNames.Headers.ApiKey, apiKey)]);

        internal override ValueTask<IReadOnlyList<KeyValuePair<string, string>>> GetWebSocketAuthAsync(
            Uri httpEndpoint, string signedBody, DateTimeOffset now, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<KeyValuePair<string, string>>>(
            [
                new(EventsWireNames.Headers.Host, HostOf(httpEndpoint)),
                new(EventsWireNames.Headers.ApiKey, apiKey),
            ]);
    }

    private sealed class BearerAuthorization(Func<CancellationToken, ValueTask<string>> tokenProvider) : EventsAuthorization
    {
        public override string Mode => "AMAZON_COGNITO_USER_POOLS";

        internal override async ValueTask<IReadOnlyList<KeyValuePair<string, string>>> GetHttpHeadersAsync(
            Uri endpoint, string contentType, byte[] body, DateTimeOffset now, CancellationToken cancellationToken) =>
            [new(EventsWireNames.Headers.Authorization, await GetTokenAsync(cancellationToken).ConfigureAwait(false))];

        internal override async ValueTask<IReadOnlyList<KeyValuePair<string, string>>> GetWebSocketAuthAsync(
            Uri httpEndpoint, string signedBody, DateTimeOffset now, CancellationToken cancellationToken) =>
            [
                new(EventsWireNames.Headers.Host, HostOf(httpEndpoint)),
                new(EventsWireNames.Headers.Authorization, await GetTokenAsync(cancellationToken).ConfigureAwait(false)),
            ];

        private async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
        {
            var token = await tokenProvider(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(token))
            {
                throw EventsErrors.Validation(EventsWireNames.ErrorTypes.Unauthorized, "The bearer token provider returned an empty token.");
            }

            return token;
        }
    }

    private sealed class IamAuthorization(AWSCredentials credentials, string region) : EventsAuthorization
    {
        private readonly RegionEndpoint _region = RegionEndpoint.GetBySystemName(region);

        public override string Mode => "AWS_IAM";

        internal override async ValueTask<IReadOnlyList<KeyValuePair<string, string>>> GetHttpHeadersAsync(
            Uri endpoint, string contentType, byte[] body, DateTimeOffset now, CancellationToken cancellationToken)
        {
            // Sign the real POST: its content type and body, as Amplify JS does for HTTP publish.
            var request = new AWSSigningRequest
            {
                HttpMethod = HttpMethod.Post,
                RequestUri = endpoint,
                Content = body,
            };
            request.Headers[EventsWireNames.Headers.ContentType] = contentType;
            var signed = await SignAsync(request, now, cancellationToken).ConfigureAwait(false);
            return signed;
        }

        internal override async ValueTask<IReadOnlyList<KeyValuePair<string, string>>> GetWebSocketAuthAsync(
            Uri httpEndpoint, string signedBody, DateTimeOffset now, CancellationToken cancellationToken)
        {
            // AppSync's recipe: POST https://<http-domain>/event with three constant headers and the operation's body.
            var publishUri = new UriBuilder(httpEndpoint) { Path = EventsWireNames.PublishPath, Query = string.Empty }.Uri;
            var request = new AWSSigningRequest
            {
                HttpMethod = HttpMethod.Post,
                RequestUri = publishUri,
                Content = Encoding.UTF8.GetBytes(signedBody),
            };
            request.Headers[EventsWireNames.Headers.Accept] = EventsWireNames.IamRecipe.Accept;
            request.Headers[EventsWireNames.Headers.ContentEncoding] = EventsWireNames.IamRecipe.ContentEncoding;
            request.Headers[EventsWireNames.Headers.ContentType] = EventsWireNames.IamRecipe.ContentType;
            var signed = await SignAsync(request, now, cancellationToken).ConfigureAwait(false);
            var result = new List<KeyValuePair<string, string>>(signed.Count + 4)
            {
                new(EventsWireNames.Headers.Accept, EventsWireNames.IamRecipe.Accept),
                new(EventsWireNames.Headers.ContentEncoding, EventsWireNames.IamRecipe.ContentEncoding),
                new(EventsWireNames.Headers.ContentType, EventsWireNames.IamRecipe.ContentType),
                new(EventsWireNames.Headers.Host, HostOf(publishUri)),
            };
            result.AddRange(signed);
            return result;
        }

        // The spellings AppSync's documentation uses in the authorization object (names are case-insensitive on HTTP).
        private static string WireName(string name) =>
            name.ToLowerInvariant() switch
            {
                "x-amz-date" => EventsWireNames.Headers.AmzDate,
                "x-amz-security-token" => EventsWireNames.Headers.SecurityToken,
                "authorization" => EventsWireNames.Headers.Authorization,
                var lower => lower,
            };

        private async Task<IReadOnlyList<KeyValuePair<string, string>>> SignAsync(AWSSigningRequest request, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var parameters = new AWSSigV4Parameters
            {
                Credentials = credentials,
                Region = _region,
                Service = EventsWireNames.SigningService,
                SignedAt = now.UtcDateTime,
            };
            var headers = await AWSSigV4Signer.SignAsync(request, parameters, cancellationToken).ConfigureAwait(false);
            var list = new List<KeyValuePair<string, string>>();
            foreach (var pair in headers.Headers)
            {
                if (!string.Equals(pair.Key, EventsWireNames.Headers.Host, StringComparison.OrdinalIgnoreCase))
                {
                    list.Add(new(WireName(pair.Key), pair.Value));
                }
            }

            return list;
        }
    }
}
