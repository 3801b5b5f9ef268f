using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Bench.Faults;

/// <summary>
/// An HTTP proxy between the Worker and DynamoDB that fails the <b>second</b> write of a turn's finish for chosen
/// messages: the conditional update that frees the conversation (<c>REMOVE activeMessageId</c> on condition
/// <c>activeMessageId = :message</c>). The message's final state (the first write) has landed; the conversation
/// still points at it. Every such write for an armed message fails with DynamoDB's HTTP 500
/// <c>InternalServerError</c> during <see cref="FailureWindow"/> from its first attempt and goes through
/// afterwards: the AWS SDK's retries of the write may outlast the window (the finish completes late); if they do
/// not, the Worker returns the record and its redelivery frees the conversation. Why a proxy and not a seam in the Worker: the Worker runs as its own process, the fault is a
/// property of the store's answers, and the Worker's code stays exactly what is deployed.
/// </summary>
public sealed class StoreFaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, DateTimeOffset?> _armed = new(StringComparer.Ordinal);
    private long _failed;

    private StoreFaultProxy(WebApplication app, HttpClient http)
    {
        _app = app;
        _http = http;
    }

    public static TimeSpan FailureWindow { get; } = TimeSpan.FromSeconds(5);

    /// <summary>The proxy's URL: give it to the Worker as its DynamoDB endpoint.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Where requests go (DynamoDB); set once it is known. Until then every request is answered 503.</summary>
    public Uri? Target { get; set; }

    /// <summary>Writes failed so far.</summary>
    public long FailedWrites => Interlocked.Read(ref _failed);

    /// <summary>Messages whose finish actually met the fault (their conversation-freeing write failed at least once).</summary>
    public IReadOnlyList<string> Triggered => [.. _armed.Where(a => a.Value is not null).Select(a => a.Key)];

    public static async Task<StoreFaultProxy> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(30) };
        var proxy = new StoreFaultProxy(app, http);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        proxy.Endpoint = new Uri(app.Urls.Single());
        return proxy;
    }

    /// <summary>Makes the finish of <paramref name="messageId"/> fail between its two writes.</summary>
    public void Arm(string messageId) => _armed.TryAdd(messageId, null);

    private async Task ForwardAsync(HttpContext context)
    {
        if (Target is not { } target)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        var bytes = body.ToArray();
        var operation = context.Request.Headers["X-Amz-Target"].ToString();
        if (operation.EndsWith(".UpdateItem", StringComparison.Ordinal) && FreesArmedConversation(bytes) is { } messageId && ShouldFail(messageId))
        {
            Interlocked.Increment(ref _failed);
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            context.Response.ContentType = "application/x-amz-json-1.0";
            await context.Response.WriteAsync("{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\",\"message\":\"Internal server error (injected fault)\"}", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(target, context.Request.Path + context.Request.QueryString));
        request.Content = new ByteArrayContent(bytes);
        foreach (var (name, values) in context.Request.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        request.Headers.Host = context.Request.Host.Value; // the signature covers the host the Worker addressed
        using var response = await _http.SendAsync(request, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private bool ShouldFail(string messageId)
    {
        var now = DateTimeOffset.UtcNow;
        var first = _armed.AddOrUpdate(messageId, now, (_, seen) => seen ?? now);
        return now - first!.Value < FailureWindow;
    }

    /// <summary>The armed message id when the request is a finish's conversation-freeing write for it.</summary>
    private string? FreesArmedConversation(byte[] body)
    {
        if (_armed.IsEmpty)
        {
            return null;
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (!root.TryGetProperty("ConditionExpression", out var condition) || condition.GetString() != "#activeMessageId = :message"
            || !root.TryGetProperty("UpdateExpression", out var update) || update.GetString()?.Contains("REMOVE #activeMessageId", StringComparison.Ordinal) != true
            || !root.TryGetProperty("ExpressionAttributeValues", out var values) || !values.TryGetProperty(":message", out var message)
            || !message.TryGetProperty("S", out var id))
        {
            return null;
        }

        var messageId = id.GetString();
        return messageId is not null && _armed.ContainsKey(messageId) ? messageId : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
    }
}
