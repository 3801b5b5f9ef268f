using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace AppSyncChat.Aws.Lambda;

/// <summary>The four Runtime API calls; one instance per runtime loop.</summary>
internal sealed class LambdaRuntimeClient : IDisposable
{
    private static readonly MediaTypeHeaderValue ErrorContentType = new(LambdaRuntimeNames.ErrorContentType);
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _http;

    public LambdaRuntimeClient(string runtimeApi, HttpMessageHandler? handler)
    {
        if (string.IsNullOrWhiteSpace(runtimeApi) || runtimeApi.Contains("://", StringComparison.Ordinal)
            || !Uri.TryCreate("http://" + runtimeApi + "/", UriKind.Absolute, out var baseAddress))
        {
            throw new LambdaRuntimeException($"{LambdaRuntimeNames.RuntimeApiSetting} must be host:port (no scheme); got '{runtimeApi}'.");
        }

        // No timeout: `next` blocks until an invocation arrives, possibly across a freeze of the sandbox.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = false }, disposeHandler: handler is null)
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<LambdaInvocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(LambdaRuntimeNames.NextPath, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            // 403 and 500 (container error) mean this environment is done for: exit promptly.
            var detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new LambdaRuntimeException($"Runtime API answered {(int)response.StatusCode} to next: {detail}", response.StatusCode);
        }

        var requestId = Header(response, LambdaRuntimeNames.RequestIdHeader)
            ?? throw new LambdaRuntimeException($"Runtime API sent an invocation without {LambdaRuntimeNames.RequestIdHeader}.", response.StatusCode);
        var deadlineText = Header(response, LambdaRuntimeNames.DeadlineMsHeader);
        if (!long.TryParse(deadlineText, NumberStyles.None, CultureInfo.InvariantCulture, out var deadlineMs))
        {
            throw new LambdaRuntimeException($"Runtime API sent invocation {requestId} with a bad {LambdaRuntimeNames.DeadlineMsHeader}: '{deadlineText}'.", response.StatusCode);
        }

        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return new LambdaInvocation(
            requestId,
            DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs),
            Header(response, LambdaRuntimeNames.InvokedFunctionArnHeader),
            Header(response, LambdaRuntimeNames.TraceIdHeader),
            payload);
    }

    public Task<HttpStatusCode> PostResponseAsync(string requestId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var content = new ReadOnlyMemoryContent(payload);
        content.Headers.ContentType = JsonContentType;
        return PostAsync(LambdaRuntimeNames.ResponsePath(requestId), content, errorTypeHeader: null, cancellationToken);
    }

    public Task<HttpStatusCode> PostErrorAsync(string requestId, string errorTypeHeader, LambdaFunctionError error, CancellationToken cancellationToken) =>
        PostAsync(LambdaRuntimeNames.ErrorPath(requestId), ErrorContent(error), errorTypeHeader, cancellationToken);

    public Task<HttpStatusCode> PostInitErrorAsync(string errorTypeHeader, LambdaFunctionError error, CancellationToken cancellationToken) =>
        PostAsync(LambdaRuntimeNames.InitErrorPath, ErrorContent(error), errorTypeHeader, cancellationToken);

    public void Dispose() => _http.Dispose();

    private static ByteArrayContent ErrorContent(LambdaFunctionError error)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(error, LambdaRuntimeJsonContext.Default.LambdaFunctionError));
        content.Headers.ContentType = ErrorContentType;
        return content;
    }

    private async Task<HttpStatusCode> PostAsync(string path, HttpContent content, string? errorTypeHeader, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (errorTypeHeader is not null)
        {
            request.Headers.TryAddWithoutValidation(LambdaRuntimeNames.FunctionErrorTypeHeader, errorTypeHeader);
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return response.StatusCode;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
