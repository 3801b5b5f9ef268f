namespace AppSyncChat.Api;

/// <summary>
/// The Api Lambda function: builds its composition root once from the settings lookup and runs
/// the Lambda Runtime API loop against <c>AWS_LAMBDA_RUNTIME_API</c> until cancelled. The same entry
/// serves AWS (settings = environment variables) and the Local stack (settings supplied in-process,
/// with a local Runtime API address and local credentials).
/// </summary>
public static class ApiFunction
{
    public static Task RunAsync(Func<string, string?> settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        throw new NotImplementedException("Api resolver: see issue 5.");
    }
}
