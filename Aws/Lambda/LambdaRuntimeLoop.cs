using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Aws.Lambda;

/// <summary>
/// A custom-runtime loop for <c>provided.al2023</c> (Lambda Runtime API 2018-06-01): <c>next</c> (no timeout),
/// the handler under a token cancelled at <c>Lambda-Runtime-Deadline-Ms</c>, then <c>response</c> or
/// <c>error</c>. Ends normally when its token is cancelled; throws <see cref="LambdaRuntimeException"/> when the
/// Runtime API refuses it (403/500 on <c>next</c>: the environment must exit promptly).
/// </summary>
public sealed partial class LambdaRuntimeLoop : IDisposable
{
    private static readonly TimeSpan ShutdownReportTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxTimer = TimeSpan.FromDays(24);

    private readonly LambdaRuntimeClient _client;
    private readonly LambdaHandler _handler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _setTraceEnvironment;

    /// <param name="runtimeApi">The <c>host:port</c> of <c>AWS_LAMBDA_RUNTIME_API</c>.</param>
    public LambdaRuntimeLoop(string runtimeApi, LambdaHandler handler, LambdaRuntimeOptions? options = null)
        : this(new LambdaRuntimeClient(runtimeApi, options?.HttpHandler), handler, options)
    {
    }

    private LambdaRuntimeLoop(LambdaRuntimeClient client, LambdaHandler handler, LambdaRuntimeOptions? options)
    {
        ArgumentNullException.ThrowIfNull(handler);
        options ??= new LambdaRuntimeOptions();
        _client = client;
        _handler = handler;
        _time = options.TimeProvider;
        _logger = options.Logger ?? NullLogger.Instance;
        _setTraceEnvironment = options.SetTraceIdEnvironmentVariable;
    }

    /// <summary>
    /// The whole life of a function: reads <c>AWS_LAMBDA_RUNTIME_API</c> from <paramref name="settings"/>, runs
    /// <paramref name="initialize"/> once (the composition root; a failure is posted to <c>/runtime/init/error</c>
    /// and rethrown as <see cref="LambdaInitializationException"/>), then serves invocations until cancelled.
    /// </summary>
    public static async Task RunAsync(
        Func<string, string?> settings,
        Func<CancellationToken, Task<LambdaHandler>> initialize,
        CancellationToken cancellationToken,
        LambdaRuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(initialize);
        var runtimeApi = settings(LambdaRuntimeNames.RuntimeApiSetting);
        if (string.IsNullOrWhiteSpace(runtimeApi))
        {
            throw new LambdaRuntimeException($"The setting {LambdaRuntimeNames.RuntimeApiSetting} is missing: a Lambda runtime needs the Runtime API's host:port.");
        }

        var client = new LambdaRuntimeClient(runtimeApi, options?.HttpHandler);
        using var loop = new LambdaRuntimeLoop(client, NotInitialized, options);
        LambdaHandler handler;
        try
        {
            handler = await initialize(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            await loop.ReportInitErrorAsync(ex, cancellationToken).ConfigureAwait(false);
            throw new LambdaInitializationException($"Function initialisation failed: {ex.Message}", ex);
        }

        using var running = new LambdaRuntimeLoop(client, handler, options);
        await running.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Serves invocations until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            LambdaInvocation invocation;
            try
            {
                invocation = await _client.NextAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException ex)
            {
                throw new LambdaRuntimeException($"The Runtime API is unreachable: {ex.Message}", ex.StatusCode, ex);
            }

            await InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reports an initialisation failure to <c>/runtime/init/error</c> (used by hosts that build their own handler).</summary>
    public async Task ReportInitErrorAsync(Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        LogInitFailed(_logger, exception);
        try
        {
            var status = await _client.PostInitErrorAsync(LambdaRuntimeNames.ErrorTypes.InitFailure, LambdaFunctionError.FromException(exception), cancellationToken).ConfigureAwait(false);
            if (status != HttpStatusCode.Accepted)
            {
                LogPostRejected(_logger, "init/error", (int)status, "-");
            }
        }
        catch (HttpRequestException ex)
        {
            LogPostFailed(_logger, "init/error", "-", ex);
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task InvokeAsync(LambdaInvocation invocation, CancellationToken stopping)
    {
        // Clamped: a timer cannot be set beyond ~49 days; Lambda's longest timeout is 15 minutes.
        var remaining = invocation.Deadline - _time.GetUtcNow();
        remaining = remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining > MaxTimer ? MaxTimer : remaining;
        using var deadline = new CancellationTokenSource(remaining, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token);

        LambdaTraceContext.Set(invocation.TraceId);
        if (_setTraceEnvironment)
        {
            Environment.SetEnvironmentVariable(LambdaRuntimeNames.TraceIdSetting, invocation.TraceId);
        }

        using var scope = _logger.BeginScope(new LogScope(new KeyValuePair<string, object?>("awsRequestId", invocation.RequestId)));
        var handlerTask = InvokeHandlerAsync(invocation, linked.Token);
        try
        {
            var result = await handlerTask.WaitAsync(linked.Token).ConfigureAwait(false);
            await PostAsync("response", invocation.RequestId, _client.PostResponseAsync(invocation.RequestId, result, stopping)).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down mid-invocation: tell the Runtime API so the caller is not left waiting.
            ObserveAbandoned(handlerTask, invocation.RequestId);
            using var report = new CancellationTokenSource(ShutdownReportTimeout, _time);
            var error = new LambdaFunctionError("The runtime stopped before the invocation finished.", LambdaRuntimeNames.ErrorTypes.Shutdown);
            await TryPostErrorAsync(invocation.RequestId, LambdaRuntimeNames.ErrorTypes.Shutdown, error, report.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            ObserveAbandoned(handlerTask, invocation.RequestId);
            LogDeadline(_logger, invocation.RequestId, invocation.Deadline);
            var error = new LambdaFunctionError(
                $"Task timed out: the invocation passed its deadline {invocation.Deadline:O}.",
                LambdaRuntimeNames.ErrorTypes.Timeout);
            await PostAsync("error", invocation.RequestId, _client.PostErrorAsync(invocation.RequestId, LambdaRuntimeNames.ErrorTypes.Timeout, error, stopping)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(_logger, invocation.RequestId, ex);
            await PostAsync("error", invocation.RequestId, _client.PostErrorAsync(invocation.RequestId, LambdaRuntimeNames.ErrorTypes.Unhandled, LambdaFunctionError.FromException(ex), stopping)).ConfigureAwait(false);
        }
        finally
        {
            LambdaTraceContext.Set(null);
        }
    }

    private async Task<ReadOnlyMemory<byte>> InvokeHandlerAsync(LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        // Async wrapper: a handler that throws synchronously still yields a faulted task.
        await Task.Yield();
        return await _handler(invocation, cancellationToken).ConfigureAwait(false);
    }

    private async Task PostAsync(string what, string requestId, Task<HttpStatusCode> post)
    {
        HttpStatusCode status;
        try
        {
            status = await post.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // stopping
        }
        catch (HttpRequestException ex)
        {
            throw new LambdaRuntimeException($"The Runtime API is unreachable while posting the {what} of {requestId}: {ex.Message}", ex.StatusCode, ex);
        }

        if (status == HttpStatusCode.Accepted)
        {
            return;
        }

        if ((int)status >= 500)
        {
            throw new LambdaRuntimeException($"The Runtime API answered {(int)status} to the {what} of {requestId} (container error).", status);
        }

        // 400/403/413: the invocation is failed or gone on the Runtime API side; carry on with the next one.
        LogPostRejected(_logger, what, (int)status, requestId);
    }

    private async Task TryPostErrorAsync(string requestId, string errorType, LambdaFunctionError error, CancellationToken cancellationToken)
    {
        try
        {
            await _client.PostErrorAsync(requestId, errorType, error, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            LogPostFailed(_logger, "error", requestId, ex);
        }
    }

    private void ObserveAbandoned(Task handlerTask, string requestId)
    {
        if (handlerTask.IsCompleted)
        {
            _ = handlerTask.Exception;
            return;
        }

        // The handler ignored its token; its eventual outcome no longer matters, but must not go unobserved.
        _ = handlerTask.ContinueWith(
            t => LogAbandonedFinished(_logger, requestId, t.Exception?.GetBaseException()),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static Task<ReadOnlyMemory<byte>> NotInitialized(LambdaInvocation invocation, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The function is not initialised.");

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Function initialisation failed")]
    private static partial void LogInitFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Invocation {RequestId} failed")]
    private static partial void LogHandlerFailed(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Invocation {RequestId} passed its deadline {Deadline}")]
    private static partial void LogDeadline(ILogger logger, string requestId, DateTimeOffset deadline);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Runtime API rejected the {What} of invocation {RequestId} with HTTP {Status}")]
    private static partial void LogPostRejected(ILogger logger, string what, int status, string requestId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Could not post the {What} of invocation {RequestId}")]
    private static partial void LogPostFailed(ILogger logger, string what, string requestId, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Abandoned handler of invocation {RequestId} finished later")]
    private static partial void LogAbandonedFinished(ILogger logger, string requestId, Exception? exception);
}
