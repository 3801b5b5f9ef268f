using Microsoft.Extensions.Logging;

namespace AppSyncChat.Aws.Lambda;

/// <summary>Seams of the runtime loop; every one defaults to the real thing.</summary>
public sealed record LambdaRuntimeOptions
{
    /// <summary>Handler for the HTTP connection to the Runtime API (tests, custom pooling). Null: a plain sockets handler.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILogger? Logger { get; init; }

    /// <summary>
    /// Also set the process-wide <c>_X_AMZN_TRACE_ID</c> environment variable per invocation, as Lambda's
    /// managed runtimes do. Only correct with one function and one instance per process (AWS); leave off in
    /// the Local stack, where <see cref="LambdaTraceContext.CurrentTraceId"/> carries it instead.
    /// </summary>
    public bool SetTraceIdEnvironmentVariable { get; init; }
}
