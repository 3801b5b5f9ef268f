using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace AppSyncChat.Api.Tests.Fixtures;

/// <summary>
/// A minimal Lambda Runtime API (2018-06-01) on loopback: hands out queued events on <c>next</c> and records
/// what the function posts to <c>response</c> / <c>error</c> / <c>init/error</c>.
/// </summary>
public sealed class FakeRuntimeApi : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Channel<(string RequestId, string Payload)> _events = Channel.CreateUnbounded<(string, string)>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Posted>> _results = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public FakeRuntimeApi()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public TaskCompletionSource<Posted> InitError { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public sealed record Posted(string Kind, string? ErrorTypeHeader, string Body);

    /// <summary>Queues an invocation and returns what the function posted for it.</summary>
    public Task<Posted> InvokeAsync(string payload)
    {
        var requestId = Guid.NewGuid().ToString();
        var result = _results.GetOrAdd(requestId, _ => new TaskCompletionSource<Posted>(TaskCreationOptions.RunContinuationsAsynchronously));
        _events.Writer.TryWrite((requestId, payload));
        return result.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        try
        {
            await _serving;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        try
        {
            if (context.Request.HttpMethod == "GET" && path == "/2018-06-01/runtime/invocation/next")
            {
                var (requestId, payload) = await _events.Reader.ReadAsync(_stop.Token);
                context.Response.Headers["Lambda-Runtime-Aws-Request-Id"] = requestId;
                context.Response.Headers["Lambda-Runtime-Deadline-Ms"] = DateTimeOffset.UtcNow.AddSeconds(20).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                context.Response.Headers["Lambda-Runtime-Trace-Id"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
                await Write(context, 200, payload);
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var errorType = context.Request.Headers["Lambda-Runtime-Function-Error-Type"];
            if (path == "/2018-06-01/runtime/init/error")
            {
                InitError.TrySetResult(new Posted("init", errorType, body));
                await Write(context, 202, """{"status":"OK"}""");
                return;
            }

            var parts = path.Split('/');
            if (parts.Length == 6 && parts[4].Length > 0 && _results.TryGetValue(Uri.UnescapeDataString(parts[4]), out var result))
            {
                result.TrySetResult(new Posted(parts[5], errorType, body));
                await Write(context, 202, """{"status":"OK"}""");
                return;
            }

            await Write(context, 404, "{}");
        }
        catch (OperationCanceledException)
        {
            context.Response.Abort();
        }
    }

    private static async Task Write(HttpListenerContext context, int status, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
