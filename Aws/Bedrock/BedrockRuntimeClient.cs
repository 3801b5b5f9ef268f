using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Amazon.Runtime;
using AppSyncChat.Aws.Signing;

namespace AppSyncChat.Aws.Bedrock;

/// <summary>
/// A thin Bedrock Runtime client: <c>Converse</c> and <c>ConverseStream</c> over restJson1, signed with
/// SigV4 (signing name <c>bedrock</c>) by the HttpClient it is given, or with a Bedrock API key (Bearer).
/// </summary>
public sealed class BedrockRuntimeClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _disposeHttp;

    /// <param name="httpClient">An HttpClient that authenticates requests (see <see cref="Create"/>); its BaseAddress is ignored.</param>
    /// <param name="endpoint">The service endpoint, e.g. <c>https://bedrock-runtime.us-east-1.amazonaws.com</c> or the local emulator.</param>
    public BedrockRuntimeClient(HttpClient httpClient, Uri endpoint, bool disposeHttpClient = false)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(endpoint);
        _http = httpClient;
        _disposeHttp = disposeHttpClient;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>A SigV4-signed client (AWSSDK.Core's signer).</summary>
    public static BedrockRuntimeClient Create(AWSCredentials credentials, string region, Uri? endpoint = null, HttpMessageHandler? innerHandler = null) =>
        new(SignedHttpClientFactory.Create(credentials, region, BedrockWireNames.SigningName, innerHandler), endpoint ?? BedrockWireNames.DefaultEndpoint(region), disposeHttpClient: true);

    /// <summary>A client authenticated with a Bedrock API key (<c>Authorization: Bearer …</c>).</summary>
    public static BedrockRuntimeClient CreateWithApiKey(string apiKey, string region, Uri? endpoint = null, HttpMessageHandler? innerHandler = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        var http = new HttpClient(innerHandler ?? SignedHttpClientFactory.CreateSocketsHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return new BedrockRuntimeClient(http, endpoint ?? BedrockWireNames.DefaultEndpoint(region), disposeHttpClient: true);
    }

    /// <summary><c>POST /model/{modelId}/converse</c>.</summary>
    /// <exception cref="BedrockRuntimeException">Any service or transport error.</exception>
    public async Task<ConverseResponse> ConverseAsync(string modelId, ConverseRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(modelId, request, stream: false, cancellationToken).ConfigureAwait(false);
        var requestId = BedrockErrors.RequestIdOf(response.Headers);
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var parsed = JsonSerializer.Deserialize(body, BedrockJsonContext.Default.ConverseResponse)
                ?? throw new JsonException("The Converse response body is null.");
            return parsed with { RequestId = requestId };
        }
        catch (JsonException ex)
        {
            throw BedrockErrors.FromFraming(ex, requestId);
        }
        catch (HttpRequestException ex)
        {
            throw BedrockErrors.FromTransport(ex, BedrockErrorPhase.InStream, requestId);
        }
    }

    /// <summary>
    /// <c>POST /model/{modelId}/converse-stream</c>: returns once the response headers arrived (HTTP errors
    /// throw here); read the events from the result. Dispose the result to abort the stream.
    /// </summary>
    /// <exception cref="BedrockRuntimeException">An HTTP error before the stream, or a transport failure.</exception>
    public async Task<ConverseStreamResponse> StartConverseStreamAsync(string modelId, ConverseRequest request, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(modelId, request, stream: true, cancellationToken).ConfigureAwait(false);
        return new ConverseStreamResponse(response);
    }

    /// <summary>ConverseStream as one sequence of events. Cancelling the token aborts the HTTP response at once.</summary>
    /// <exception cref="BedrockRuntimeException">Any service, stream, framing or transport error.</exception>
    public async IAsyncEnumerable<ConverseStreamEvent> ConverseStreamAsync(string modelId, ConverseRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var stream = await StartConverseStreamAsync(modelId, request, cancellationToken).ConfigureAwait(false);
        await foreach (var item in stream.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    public void Dispose()
    {
        if (_disposeHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string modelId, ConverseRequest request, bool stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = new Uri(Endpoint, BedrockWireNames.ModelPath(modelId, stream));
        using var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, BedrockJsonContext.Default.ConverseRequest)),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(BedrockWireNames.JsonContentType);
        // The model does not specify Accept for streams; the event-stream type is safe (docs/aws-protocols.md §2.1, UNCONFIRMED whether required).
        message.Headers.Accept.ParseAdd(stream ? EventStream.EventStreamHeaders.StreamContentType : BedrockWireNames.JsonContentType);

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw BedrockErrors.FromTransport(ex, BedrockErrorPhase.BeforeStream, requestId: null);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            byte[] body;
            try
            {
                body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException)
            {
                body = [];
            }

            throw BedrockErrors.FromHttpError((int)response.StatusCode, response.Headers, body);
        }
    }
}
