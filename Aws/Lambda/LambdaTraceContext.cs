namespace AppSyncChat.Aws.Lambda;

/// <summary>
/// The X-Ray trace header of the invocation running on the current async flow.
/// </summary>
/// <remarks>
/// Lambda's own runtimes put <c>Lambda-Runtime-Trace-Id</c> into the <c>_X_AMZN_TRACE_ID</c> environment
/// variable before each invocation. A process-wide variable is wrong when several functions (or several
/// concurrent instances) share one process, as in the Local stack, so the loop exposes it here (flowing with
/// async calls) and on <see cref="LambdaInvocation.TraceId"/>, and sets the environment variable only when
/// <see cref="LambdaRuntimeOptions.SetTraceIdEnvironmentVariable"/> is on (one function per process, as in AWS).
/// </remarks>
public static class LambdaTraceContext
{
    private static readonly AsyncLocal<string?> Current = new();

    /// <summary>The trace header of the current invocation, or null outside one.</summary>
    public static string? CurrentTraceId => Current.Value;

    internal static void Set(string? traceId) => Current.Value = traceId;
}
