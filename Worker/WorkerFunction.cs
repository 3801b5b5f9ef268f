namespace AppSyncChat.Worker;

/// <summary>
/// The Worker Lambda function (SQS event source): builds its composition root once from the settings lookup and runs
/// the Lambda Runtime API loop against <c>AWS_LAMBDA_RUNTIME_API</c> until cancelled. The same entry
/// serves AWS (settings = environment variables) and the Local stack (settings supplied in-process,
/// with a local Runtime API address and local credentials).
/// </summary>
public static class WorkerFunction
{
    public static Task RunAsync(Func<string, string?> settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        throw new NotImplementedException("Worker: see issue 4.");
    }
}
