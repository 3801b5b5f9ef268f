using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using AppSyncChat.Aws.Lambda;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Local.Lambda;

/// <summary>
/// The Lambda Runtime API (2018-06-01) for one hosted function, on 127.0.0.1 with a dynamic port. Invocations
/// (<see cref="InvokeAsync"/>) queue until a runtime loop asks for <c>next</c>; every runtime loop connected is one
/// execution environment ("instance"), so N loops give a concurrency of N. Each invocation gets a request id,
/// an X-Ray trace header and a deadline of <see cref="LambdaFunctionOptions.Timeout"/> from the moment a runtime
/// picks it up; the server enforces that deadline itself, whether or not the runtime reports in time.
/// </summary>
public sealed partial class LambdaRuntimeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<PendingInvocation> _queue = Channel.CreateUnbounded<PendingInvocation>();
    private readonly ConcurrentDictionary<string, PendingInvocation> _inFlight = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _waitingRuntimes;
    private int _disposed;
    private LambdaInvokeResult? _unservedInitError;

    private LambdaRuntimeServer(WebApplication app, LambdaFunctionOptions function, TimeProvider time, ILogger logger)
    {
        _app = app;
        Function = function;
        _time = time;
        _logger = logger;
    }

    public LambdaFunctionOptions Function { get; }

    /// <summary>The value for <c>AWS_LAMBDA_RUNTIME_API</c>: <c>127.0.0.1:&lt;port&gt;</c>.</summary>
    public string RuntimeApi { get; private set; } = "";

    /// <summary>Runtime loops currently blocked in <c>next</c> (idle instances).</summary>
    public int WaitingRuntimes => Volatile.Read(ref _waitingRuntimes);

    /// <summary>Invocations handed to a runtime and not finished yet (busy instances).</summary>
    public int InvocationsInFlight => _inFlight.Count;

    /// <summary>Invocations waiting for a free instance.</summary>
    public int InvocationsQueued => _queue.Reader.Count;

    /// <summary>
    /// One Runtime API address per execution environment run out of process (<see cref="ExternalFunctionPool"/>), as
    /// each Lambda sandbox has its own: the same API on its own port, so the server knows which environment took
    /// which invocation. Empty unless asked for at start.
    /// </summary>
    public IReadOnlyList<string> DedicatedRuntimeApis { get; private set; } = [];

    public static Task<LambdaRuntimeServer> StartAsync(LambdaFunctionOptions function, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default) =>
        StartAsync(function, dedicatedRuntimeApis: 0, timeProvider, loggerFactory, cancellationToken);

    /// <param name="dedicatedRuntimeApis">How many <see cref="DedicatedRuntimeApis"/> to listen on besides <see cref="RuntimeApi"/>.</param>
    public static async Task<LambdaRuntimeServer> StartAsync(LambdaFunctionOptions function, int dedicatedRuntimeApis, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        function.Validate();
        LambdaRuntimeServer? server = null;
        var (app, ports) = await LoopbackKestrel.StartAsync(0, dedicatedRuntimeApis, app =>
        {
            app.MapGet(LambdaRuntimeNames.NextPath, (RequestDelegate)(ctx => server!.NextAsync(ctx)));
            app.MapPost(LambdaRuntimeNames.InvocationPathPrefix + "{requestId}" + LambdaRuntimeNames.ResponseSuffix, (RequestDelegate)(ctx => server!.ResponseAsync(ctx)));
            app.MapPost(LambdaRuntimeNames.InvocationPathPrefix + "{requestId}" + LambdaRuntimeNames.ErrorSuffix, (RequestDelegate)(ctx => server!.ErrorAsync(ctx)));
            app.MapPost(LambdaRuntimeNames.InitErrorPath, (RequestDelegate)(ctx => server!.InitErrorAsync(ctx)));
        }, $"Lambda Runtime API for {function.FunctionName}", cancellationToken).ConfigureAwait(false);
        server = new LambdaRuntimeServer(app, function, timeProvider ?? TimeProvider.System,
            loggerFactory?.CreateLogger($"AppSyncChat.Local.Lambda.{function.FunctionName}") ?? NullLogger.Instance)
        {
            RuntimeApi = Address(ports[0]),
            DedicatedRuntimeApis = [.. ports.Skip(1).Select(Address)],
        };
        return server;

        static string Address(int port) => $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The invocations a runtime is working on now, with the Runtime API address it took each from.</summary>
    public IReadOnlyList<InFlightInvocation> InFlight() =>
        [.. _inFlight.Values.Select(i => new InFlightInvocation(i.RequestId, i.Payload, i.RuntimeApi))];

    /// <summary>
    /// Fails at once every invocation taken through <paramref name="runtimeApi"/> that is still running, as Lambda
    /// does when an execution environment's process exits mid-invocation (<c>Runtime.ExitError</c>); returns how many.
    /// </summary>
    public int FailInFlight(string runtimeApi, string reason)
    {
        var failed = 0;
        foreach (var invocation in _inFlight.Values.Where(i => i.RuntimeApi == runtimeApi))
        {
            var error = new LambdaFunctionError($"RequestId: {invocation.RequestId} Error: Runtime exited with error: {reason}", "Runtime.ExitError");
            if (Complete(invocation, Json(error), "Unhandled", error.ErrorType))
            {
                failed++;
            }
        }

        return failed;
    }

    /// <summary>
    /// Invokes the function synchronously (RequestResponse): waits for a free instance, then for the result, an
    /// error, or the deadline. Cancelling the token abandons the wait (a queued invocation is withdrawn; a running
    /// one runs on, as in Lambda).
    /// </summary>
    /// <param name="traceHeader">An incoming X-Ray header (<c>X-Amzn-Trace-Id</c>, <c>AWSTraceHeader</c>) to continue; null starts a new trace.</param>
    public async Task<LambdaInvokeResult> InvokeAsync(ReadOnlyMemory<byte> payload, string? traceHeader = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _unservedInitError, null) is { } initError)
        {
            // An environment failed to initialise while nothing was waiting: this invocation gets that failure.
            return initError with { RequestId = Guid.NewGuid().ToString(), Duration = TimeSpan.Zero };
        }

        var invocation = new PendingInvocation(Guid.NewGuid().ToString(), payload.ToArray(), LambdaTraceIds.Continue(traceHeader, _time), _time.GetTimestamp());
        if (!_queue.Writer.TryWrite(invocation))
        {
            throw new ObjectDisposedException(nameof(LambdaRuntimeServer));
        }

        using var registration = cancellationToken.Register(static state => ((PendingInvocation)state!).TryWithdraw(), invocation);
        return await invocation.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var queued))
        {
            queued.Completion.TrySetCanceled();
        }

        foreach (var running in _inFlight.Values)
        {
            running.Completion.TrySetCanceled();
            running.Dispose();
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task NextAsync(HttpContext context)
    {
        // A runtime asking for work has initialised: an earlier init failure no longer stands for the function.
        Interlocked.Exchange(ref _unservedInitError, null);
        Interlocked.Increment(ref _waitingRuntimes);
        PendingInvocation? invocation = null;
        try
        {
            while (invocation is null)
            {
                var candidate = await _queue.Reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                if (candidate.TryDispatch())
                {
                    invocation = candidate;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return; // the runtime went away while idle
        }
        catch (ChannelClosedException)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError; // shutting down: the runtime must exit
            return;
        }
        finally
        {
            Interlocked.Decrement(ref _waitingRuntimes);
        }

        var timeout = Function.Timeout;
        var deadline = _time.GetUtcNow() + timeout;
        invocation.RuntimeApi = $"127.0.0.1:{context.Connection.LocalPort.ToString(CultureInfo.InvariantCulture)}";
        _inFlight[invocation.RequestId] = invocation;
        invocation.StartDeadline(_time, timeout, () => TimeOut(invocation, timeout));

        var headers = context.Response.Headers;
        headers[LambdaRuntimeNames.RequestIdHeader] = invocation.RequestId;
        headers[LambdaRuntimeNames.DeadlineMsHeader] = deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        headers[LambdaRuntimeNames.InvokedFunctionArnHeader] = Function.FunctionArn;
        headers[LambdaRuntimeNames.TraceIdHeader] = invocation.TraceId;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = invocation.Payload.Length;
        try
        {
            await context.Response.Body.WriteAsync(invocation.Payload, context.RequestAborted).ConfigureAwait(false);
            LogDispatched(_logger, invocation.RequestId, Function.FunctionName);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The runtime vanished before it got the event: put it back for another instance.
            if (_inFlight.TryRemove(invocation.RequestId, out _) && invocation.TryRequeue())
            {
                _queue.Writer.TryWrite(invocation);
            }
        }
    }

    private async Task ResponseAsync(HttpContext context)
    {
        var requestId = (string)context.Request.RouteValues["requestId"]!;
        if (!_inFlight.TryGetValue(requestId, out var invocation))
        {
            await UnknownRequestAsync(context, requestId).ConfigureAwait(false);
            return;
        }

        byte[] body;
        try
        {
            body = await LoopbackKestrel.ReadBodyAsync(context.Request, Function.MaxResponseBytes, context.RequestAborted).ConfigureAwait(false);
        }
        catch (PayloadTooLargeException)
        {
            // Lambda fails the invocation when the response is too large (UNCONFIRMED error type and message).
            var error = new LambdaFunctionError($"Response payload size exceeded maximum allowed payload size ({Function.MaxResponseBytes} bytes).", "Function.ResponseSizeTooLarge");
            Complete(invocation, Json(error), "Unhandled", error.ErrorType);
            await WriteAsync(context, StatusCodes.Status413RequestEntityTooLarge, new LambdaFunctionError(error.ErrorMessage, "RequestEntityTooLarge")).ConfigureAwait(false);
            return;
        }

        if (!Complete(invocation, body, functionError: null, errorType: null))
        {
            await UnknownRequestAsync(context, requestId).ConfigureAwait(false);
            return;
        }

        await AcceptedAsync(context).ConfigureAwait(false);
    }

    private async Task ErrorAsync(HttpContext context)
    {
        var requestId = (string)context.Request.RouteValues["requestId"]!;
        if (!_inFlight.TryGetValue(requestId, out var invocation))
        {
            await UnknownRequestAsync(context, requestId).ConfigureAwait(false);
            return;
        }

        var (payload, errorType) = await ReadErrorAsync(context).ConfigureAwait(false);
        if (!Complete(invocation, payload, "Unhandled", errorType))
        {
            await UnknownRequestAsync(context, requestId).ConfigureAwait(false);
            return;
        }

        await AcceptedAsync(context).ConfigureAwait(false);
    }

    private async Task InitErrorAsync(HttpContext context)
    {
        var (payload, errorType) = await ReadErrorAsync(context).ConfigureAwait(false);
        LogInitError(_logger, Function.FunctionName, errorType ?? "-");

        // Lambda serves an init failure to the invocation that triggered the init: fail what is waiting now or,
        // when nothing is and no healthy environment is idle, the next invocation.
        var served = false;
        while (_queue.Reader.TryRead(out var queued))
        {
            if (queued.TryDispatch())
            {
                served |= queued.Complete(new LambdaInvokeResult(queued.RequestId, payload, "Unhandled", errorType, _time.GetElapsedTime(queued.StartedAt)));
            }
        }

        if (!served && WaitingRuntimes == 0)
        {
            Volatile.Write(ref _unservedInitError, new LambdaInvokeResult("", payload, "Unhandled", errorType, TimeSpan.Zero));
        }

        await AcceptedAsync(context).ConfigureAwait(false);
    }

    private async Task<(byte[] Payload, string? ErrorType)> ReadErrorAsync(HttpContext context)
    {
        var header = context.Request.Headers[LambdaRuntimeNames.FunctionErrorTypeHeader].FirstOrDefault();
        byte[] body;
        try
        {
            body = await LoopbackKestrel.ReadBodyAsync(context.Request, Function.MaxResponseBytes, context.RequestAborted).ConfigureAwait(false);
        }
        catch (PayloadTooLargeException)
        {
            body = [];
        }

        // A missing or unreadable body: Lambda builds the error from the header.
        LambdaFunctionError? parsed = null;
        try
        {
            parsed = body.Length == 0 ? null : JsonSerializer.Deserialize(body, LambdaRuntimeJsonContext.Default.LambdaFunctionError);
        }
        catch (JsonException)
        {
        }

        if (parsed is null || string.IsNullOrEmpty(parsed.ErrorType) && string.IsNullOrEmpty(parsed.ErrorMessage))
        {
            var synthesized = new LambdaFunctionError($"The runtime reported an error of type {header ?? "unknown"} without a readable body.", header ?? "Runtime.Unknown");
            return (Json(synthesized), header ?? synthesized.ErrorType);
        }

        return (body, header ?? parsed.ErrorType);
    }

    private void TimeOut(PendingInvocation invocation, TimeSpan timeout)
    {
        var error = new LambdaFunctionError(
            $"RequestId: {invocation.RequestId} Error: Task timed out after {timeout.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} seconds",
            LambdaRuntimeNames.ErrorTypes.Timeout);
        if (Complete(invocation, Json(error), "Unhandled", error.ErrorType))
        {
            LogTimedOut(_logger, invocation.RequestId, Function.FunctionName);
        }
    }

    private bool Complete(PendingInvocation invocation, byte[] payload, string? functionError, string? errorType)
    {
        if (!_inFlight.TryRemove(new KeyValuePair<string, PendingInvocation>(invocation.RequestId, invocation)))
        {
            return false;
        }

        invocation.Dispose();
        return invocation.Complete(new LambdaInvokeResult(invocation.RequestId, payload, functionError, errorType, _time.GetElapsedTime(invocation.StartedAt)));
    }

    private static Task UnknownRequestAsync(HttpContext context, string requestId) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, new LambdaFunctionError($"Invocation {requestId} is unknown, already finished or timed out.", "InvalidRequestID"));

    private static Task AcceptedAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentType = "application/json";
        return context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new LambdaRuntimeStatus("OK"), LambdaRuntimeJsonContext.Default.LambdaRuntimeStatus)).AsTask();
    }

    private static Task WriteAsync(HttpContext context, int status, LambdaFunctionError error)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.Body.WriteAsync(Json(error)).AsTask();
    }

    private static byte[] Json(LambdaFunctionError error) => JsonSerializer.SerializeToUtf8Bytes(error, LambdaRuntimeJsonContext.Default.LambdaFunctionError);

    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Invocation {RequestId} of {FunctionName} handed to a runtime")]
    private static partial void LogDispatched(ILogger logger, string requestId, string functionName);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Invocation {RequestId} of {FunctionName} timed out")]
    private static partial void LogTimedOut(ILogger logger, string requestId, string functionName);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "{FunctionName} failed to initialise ({ErrorType})")]
    private static partial void LogInitError(ILogger logger, string functionName, string errorType);

    /// <summary>One invocation's life: queued → dispatched → done, or queued → withdrawn.</summary>
    private sealed class PendingInvocation(string requestId, byte[] payload, string traceId, long startedAt) : IDisposable
    {
        private const int Queued = 0;
        private const int Dispatched = 1;
        private const int Done = 2;
        private const int Withdrawn = 3;
        private int _state;
        private ITimer? _deadline;

        public string RequestId { get; } = requestId;

        public byte[] Payload { get; } = payload;

        public string TraceId { get; } = traceId;

        public long StartedAt { get; } = startedAt;

        /// <summary>The Runtime API address the invocation was taken from (set at dispatch).</summary>
        public string RuntimeApi { get; set; } = "";

        public TaskCompletionSource<LambdaInvokeResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryDispatch() => Interlocked.CompareExchange(ref _state, Dispatched, Queued) == Queued;

        public bool TryRequeue()
        {
            Dispose();
            return Interlocked.CompareExchange(ref _state, Queued, Dispatched) == Dispatched;
        }

        public void TryWithdraw()
        {
            if (Interlocked.CompareExchange(ref _state, Withdrawn, Queued) == Queued)
            {
                Completion.TrySetCanceled();
            }
        }

        public void StartDeadline(TimeProvider time, TimeSpan timeout, Action onTimeout) =>
            _deadline = time.CreateTimer(static state => ((Action)state!)(), onTimeout, timeout, Timeout.InfiniteTimeSpan);

        public bool Complete(LambdaInvokeResult result)
        {
            Volatile.Write(ref _state, Done);
            return Completion.TrySetResult(result);
        }

        public void Dispose() => _deadline?.Dispose();
    }
}

/// <summary>An invocation a runtime took and has not answered: its id, its event, and the Runtime API address it came through.</summary>
public sealed record InFlightInvocation(string RequestId, byte[] Payload, string RuntimeApi);
