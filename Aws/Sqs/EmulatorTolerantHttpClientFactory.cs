using Amazon.Runtime;

namespace AppSyncChat.Aws.Sqs;

/// <summary>
/// The HttpClients of an SQS client aimed at an endpoint override (<see cref="SqsClientFactory"/>): the SDK's own
/// settings (timeout, connect timeout, no proxy) plus one repair for <c>local-aws-sqs</c>, which answers a
/// JSON-protocol ReceiveMessage that found nothing with <c>200</c> and an empty body. AWSSDK.SQS's JSON unmarshaller
/// fails on an empty body (<c>AmazonUnmarshallingException</c>, "The input does not contain any JSON tokens"), so every
/// empty poll would be an error; an empty successful body becomes <c>{}</c>, which is what SQS sends.
/// </summary>
public sealed class EmulatorTolerantHttpClientFactory : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        var sockets = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = int.MaxValue,
            UseProxy = false,
            AllowAutoRedirect = false,
        };
        if (clientConfig.ConnectTimeout is { } connect)
        {
            sockets.ConnectTimeout = connect;
        }

        return new HttpClient(new EmptyBodyAsJsonObjectHandler(sockets)) { Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100) };
    }

    /// <summary>Rewrites a successful response with an empty body to <c>{}</c>; leaves everything else alone.</summary>
    internal sealed class EmptyBodyAsJsonObjectHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength is > 0)
            {
                return response;
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var headers = response.Content.Headers.ToList();
            var content = new ByteArrayContent(body.Length == 0 ? "{}"u8.ToArray() : body);
            foreach (var (name, values) in headers)
            {
                if (!string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    content.Headers.TryAddWithoutValidation(name, values);
                }
            }

            response.Content.Dispose();
            response.Content = content;
            return response;
        }
    }
}
