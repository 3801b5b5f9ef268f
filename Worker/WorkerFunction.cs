using AppSyncChat.Aws.Lambda;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Worker.Hosting;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker;

/// <summary>
/// The Worker Lambda function (SQS event source): builds its composition root once from the settings lookup and runs
/// the Lambda Runtime API loop against <c>AWS_LAMBDA_RUNTIME_API</c> until cancelled. The same entry
/// serves AWS (settings = environment variables) and the Local stack (settings supplied in-process,
/// with a local Runtime API address and local credentials). A bad setting fails start-up, naming it
/// (reported to <c>/runtime/init/error</c>).
/// </summary>
public static class WorkerFunction
{
    public static Task RunAsync(Func<string, string?> settings, CancellationToken cancellationToken) =>
        RunAsync(settings, seams: null, cancellationToken);

    /// <summary>
    /// The long-running host: polls <c>APPSYNCCHAT_QUEUE_URL</c> itself (containers, a VM) with the same
    /// composition root and handler as the Lambda function. Runs until cancelled.
    /// </summary>
    public static async Task RunPollerAsync(Func<string, string?> settings, CancellationToken cancellationToken, WorkerSeams? seams = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var json = !string.Equals(settings(SettingNames.LogFormat), "text", StringComparison.OrdinalIgnoreCase);
        using var loggerFactory = LambdaLogging.CreateFactory(json);
        using var host = WorkerHost.Create(settings, loggerFactory, seams);
        var queueUrl = host.Options.QueueUrl ?? throw new Configuration.WorkerConfigurationException(SettingNames.QueueUrl, "is required to poll the queue");
        using var sqs = Aws.Sqs.SqsClientFactory.Create(Aws.Signing.AwsCredentialsFactory.FromSettings(settings), host.Options.Region, host.Options.SqsEndpoint);
        var poller = new Queue.QueuePoller(sqs, host.Handler, new Queue.QueuePollerOptions { QueueUrl = queueUrl.ToString() }, seams?.Time ?? TimeProvider.System, loggerFactory.CreateLogger<Queue.QueuePoller>());
        await poller.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="RunAsync(Func{string, string?}, CancellationToken)"/>, with some dependencies replaced (tests, Local).</summary>
    public static async Task RunAsync(Func<string, string?> settings, WorkerSeams? seams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var json = !string.Equals(settings(SettingNames.LogFormat), "text", StringComparison.OrdinalIgnoreCase);
        using var loggerFactory = LambdaLogging.CreateFactory(json);
        var logger = loggerFactory.CreateLogger("AppSyncChat.Worker");
        WorkerHost? host = null;
        try
        {
            await LambdaRuntimeLoop.RunAsync(
                settings,
                _ =>
                {
                    host = WorkerHost.Create(settings, loggerFactory, seams);
                    return Task.FromResult<LambdaHandler>(host.Handler.HandleAsync);
                },
                cancellationToken,
                new LambdaRuntimeOptions { Logger = logger, TimeProvider = seams?.Time ?? TimeProvider.System }).ConfigureAwait(false);
        }
        finally
        {
            host?.Dispose();
        }
    }
}
