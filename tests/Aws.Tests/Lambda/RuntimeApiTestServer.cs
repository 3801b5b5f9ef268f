using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Aws.Tests.Lambda;

/// <summary>
/// A small Lambda Runtime API (2018-06-01) on 127.0.0.1 with a dynamic port: hands out scripted invocations on
/// <c>next</c> and records what the runtime posts back. Written from the API reference, independently of the loop.
/// </summary>
internal sealed class RuntimeApiTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ScriptedInvocation> _pending = Channel.CreateUnbounded<ScriptedInvocation>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<PostedResult>> _results = new();
    private readonly TaskCompletionSource<PostedResult> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _nextCalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _containerError;

    private RuntimeApiTestServer(WebApplication app) => _app = app;

    /// <summary>The value of <c>AWS_LAMBDA_RUNTIME_API</c>: host:port, no scheme.</summary>
    public string HostAndPort { get; private set; } = "";

    /// <summary>Completes the first time a runtime calls <c>next</c>.</summary>
    public Task NextCalled => _nextCalled.Task;

    public Task<PostedResult> InitError => _initError.Task;

    public static async Task<RuntimeApiTestServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new RuntimeApiTestServer(app);
        app.MapGet("/2018-06-01/runtime/invocation/next", (RequestDelegate)server.NextAsync);
        app.MapPost("/2018-06-01/runtime/invocation/{id}/response", (RequestDelegate)(ctx => server.RecordAsync(ctx, "response")));
        app.MapPost("/2018-06-01/runtime/invocation/{id}/error", (RequestDelegate)(ctx => server.RecordAsync(ctx, "error")));
        app.MapPost("/2018-06-01/runtime/init/error", (RequestDelegate)server.InitErrorAsync);
        await app.StartAsync();
        server.HostAndPort = new Uri(app.Urls.Single()).Authority;
        return server;
    }

    /// <summary>Queues an invocation; the returned task completes when the runtime posts its response or error.</summary>
    public Task<PostedResult> Enqueue(string payload, DateTimeOffset deadline, string? traceId = null, string? requestId = null)
    {
        requestId ??= Guid.NewGuid().ToString();
        var completion = new TaskCompletionSource<PostedResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _results[requestId] = completion;
        _pending.Writer.TryWrite(new ScriptedInvocation(requestId, payload, deadline, traceId));
        return completion.Task;
    }

    /// <summary>From now on <c>next</c> answers 500 (container error), including a <c>next</c> already waiting.</summary>
    public void FailNextWithContainerError()
    {
        _containerError = true;
        _pending.Writer.TryWrite(new ScriptedInvocation("", "", default, null));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task NextAsync(HttpContext context)
    {
        _nextCalled.TrySetResult();
        var invocation = await _pending.Reader.ReadAsync(context.RequestAborted);
        if (_containerError)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync("""{"errorMessage":"container error","errorType":"ServiceException"}""");
            return;
        }

        var headers = context.Response.Headers;
        headers["Lambda-Runtime-Aws-Request-Id"] = invocation.RequestId;
        headers["Lambda-Runtime-Deadline-Ms"] = invocation.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:123456789012:function:test";
        if (invocation.TraceId is not null)
        {
            headers["Lambda-Runtime-Trace-Id"] = invocation.TraceId;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(invocation.Payload);
    }

    private async Task RecordAsync(HttpContext context, string kind)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var posted = await ReadAsync(context, kind);
        if (!_results.TryGetValue(id, out var completion) || !completion.TrySetResult(posted))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("""{"status":"OK"}""");
    }

    private async Task InitErrorAsync(HttpContext context)
    {
        _initError.TrySetResult(await ReadAsync(context, "init-error"));
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("""{"status":"OK"}""");
    }

    private static async Task<PostedResult> ReadAsync(HttpContext context, string kind)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        return new PostedResult(kind, body, context.Request.Headers["Lambda-Runtime-Function-Error-Type"].FirstOrDefault(), context.Request.ContentType);
    }

    private sealed record ScriptedInvocation(string RequestId, string Payload, DateTimeOffset Deadline, string? TraceId);
}

internal sealed record PostedResult(string Kind, string Body, string? ErrorTypeHeader, string? ContentType);
