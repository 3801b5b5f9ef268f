using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Local.Lambda;

/// <summary>
/// The Lambda Invoke API, <c>POST /2015-03-31/functions/{FunctionName}/invocations</c>, on 127.0.0.1, for the
/// functions registered with it (by name, full or partial ARN). <c>RequestResponse</c> (default) returns the
/// function's result with 200, or its error with 200 and <c>X-Amz-Function-Error: Unhandled</c>, as Lambda does;
/// <c>Event</c> queues the invocation and answers 202; <c>DryRun</c> answers 204. Requests are not
/// authenticated (SigV4 is not verified).
/// </summary>
public sealed partial class InvokeApiServer : IAsyncDisposable
{
    public const string InvocationTypeHeader = "X-Amz-Invocation-Type";
    public const string FunctionErrorHeader = "X-Amz-Function-Error";
    public const string ExecutedVersionHeader = "X-Amz-Executed-Version";
    public const string RequestIdHeader = "x-amzn-RequestId";
    public const string ErrorTypeHeader = "x-amzn-ErrorType";
    public const string TraceHeader = "X-Amzn-Trace-Id";

    /// <summary>Synchronous request payload limit (6 MB in Lambda).</summary>
    public const int MaxRequestBytes = 6 * 1024 * 1024;

    private readonly ConcurrentDictionary<string, LambdaRuntimeServer> _functions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _asyncInvocations = new();
    private readonly ILogger _logger;
    private WebApplication _app = null!;

    private InvokeApiServer(ILogger logger) => _logger = logger;

    /// <summary>The base URL (<c>http://127.0.0.1:&lt;port&gt;</c>); the Invoke path goes below it.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <param name="port">0 for a dynamic port (tests); the Local stack's default is 4050.</param>
    public static async Task<InvokeApiServer> StartAsync(int port, IEnumerable<LambdaRuntimeServer> functions, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var server = new InvokeApiServer(loggerFactory?.CreateLogger("AppSyncChat.Local.Lambda.InvokeApi") ?? NullLogger.Instance);
        foreach (var function in functions)
        {
            server.Register(function);
        }

        var (app, bound) = await LoopbackKestrel.StartAsync(port, app =>
            app.MapPost("/2015-03-31/functions/{functionName}/invocations", (RequestDelegate)server.InvokeAsync),
            "Lambda Invoke API", cancellationToken).ConfigureAwait(false);
        server._app = app;
        server.Endpoint = new Uri($"http://127.0.0.1:{bound.ToString(CultureInfo.InvariantCulture)}");
        return server;
    }

    /// <summary>Makes a function invocable by its name (and ARN).</summary>
    public void Register(LambdaRuntimeServer function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (!_functions.TryAdd(function.Function.FunctionName, function))
        {
            throw new InvalidOperationException($"A function named {function.Function.FunctionName} is already registered.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(_asyncInvocations.Keys).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    /// <summary>Accepts a name (<c>my-function</c>), a partial ARN (<c>123456789012:function:my-function</c>) or a full ARN, with an optional qualifier.</summary>
    internal static string ParseFunctionName(string value)
    {
        var name = Uri.UnescapeDataString(value);
        var marker = name.IndexOf("function:", StringComparison.Ordinal);
        if (marker >= 0)
        {
            name = name[(marker + "function:".Length)..];
        }

        var qualifier = name.IndexOf(':', StringComparison.Ordinal);
        return qualifier >= 0 ? name[..qualifier] : name;
    }

    private async Task InvokeAsync(HttpContext context)
    {
        var name = ParseFunctionName((string)context.Request.RouteValues["functionName"]!);
        if (!_functions.TryGetValue(name, out var function))
        {
            await ServiceErrorAsync(context, StatusCodes.Status404NotFound, "ResourceNotFoundException", $"Function not found: arn:aws:lambda:us-east-1:123456789012:function:{name}").ConfigureAwait(false);
            return;
        }

        var qualifier = context.Request.Query["Qualifier"].FirstOrDefault();
        if (!string.IsNullOrEmpty(qualifier) && qualifier != "$LATEST")
        {
            await ServiceErrorAsync(context, StatusCodes.Status404NotFound, "ResourceNotFoundException", $"Function not found: {function.Function.FunctionArn}:{qualifier} (only $LATEST is hosted locally)").ConfigureAwait(false);
            return;
        }

        byte[] payload;
        try
        {
            payload = await LoopbackKestrel.ReadBodyAsync(context.Request, MaxRequestBytes, context.RequestAborted).ConfigureAwait(false);
        }
        catch (PayloadTooLargeException)
        {
            await ServiceErrorAsync(context, StatusCodes.Status413RequestEntityTooLarge, "RequestTooLargeException", $"Request must be smaller than {MaxRequestBytes} bytes for the InvokeFunction operation").ConfigureAwait(false);
            return;
        }

        if (payload.Length == 0)
        {
            payload = "{}"u8.ToArray();
        }
        else if (!IsJson(payload))
        {
            await ServiceErrorAsync(context, StatusCodes.Status400BadRequest, "InvalidRequestContentException", "Could not parse request body into json").ConfigureAwait(false);
            return;
        }

        var trace = context.Request.Headers[TraceHeader].FirstOrDefault();
        var invocationType = context.Request.Headers[InvocationTypeHeader].FirstOrDefault() ?? "RequestResponse";
        switch (invocationType)
        {
            case "DryRun":
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            case "Event":
                var background = RunEventAsync(function, payload, trace);
                _asyncInvocations.TryAdd(background, 0);
                _ = background.ContinueWith(t => _asyncInvocations.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                context.Response.StatusCode = StatusCodes.Status202Accepted;
                return;
            case "RequestResponse":
                break;
            default:
                await ServiceErrorAsync(context, StatusCodes.Status400BadRequest, "InvalidParameterValueException", $"Unsupported invocation type: {invocationType}").ConfigureAwait(false);
                return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        LambdaInvokeResult result;
        try
        {
            result = await function.InvokeAsync(payload, trace, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await ServiceErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "ServiceException", "The local Lambda host is stopping.").ConfigureAwait(false);
            }

            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.Headers[RequestIdHeader] = result.RequestId;
        context.Response.Headers[ExecutedVersionHeader] = "$LATEST";
        if (result.IsError)
        {
            context.Response.Headers[FunctionErrorHeader] = result.FunctionError;
            LogFunctionError(_logger, function.Function.FunctionName, result.RequestId, result.ErrorType ?? "-");
        }

        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(result.Payload, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task RunEventAsync(LambdaRuntimeServer function, byte[] payload, string? trace)
    {
        try
        {
            var result = await function.InvokeAsync(payload, trace, _stopping.Token).ConfigureAwait(false);
            if (result.IsError)
            {
                LogFunctionError(_logger, function.Function.FunctionName, result.RequestId, result.ErrorType ?? "-");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static bool IsJson(byte[] payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A service-side error in Lambda's restJson1 shape: <c>x-amzn-ErrorType</c> header and <c>{"Type","message"}</c> body.</summary>
    private static Task ServiceErrorAsync(HttpContext context, int status, string errorType, string message)
    {
        context.Response.StatusCode = status;
        context.Response.Headers[ErrorTypeHeader] = errorType;
        context.Response.ContentType = "application/json";
        var body = new InvokeServiceError(status >= 500 ? "Service" : "User", message);
        return context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body, InvokeApiJsonContext.Default.InvokeServiceError)).AsTask();
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "{FunctionName} invocation {RequestId} failed ({ErrorType})")]
    private static partial void LogFunctionError(ILogger logger, string functionName, string requestId, string errorType);
}

internal sealed record InvokeServiceError([property: JsonPropertyName("Type")] string Type, [property: JsonPropertyName("message")] string Message);

[JsonSerializable(typeof(InvokeServiceError))]
internal sealed partial class InvokeApiJsonContext : JsonSerializerContext;
