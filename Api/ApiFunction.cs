using AppSyncChat.Api.Configuration;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Api.Resolver;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Aws.Signing;
using AppSyncChat.Aws.Sqs;
using Amazon.DynamoDBv2;
using Amazon.SQS;
using AppSyncChat.Api.Turns;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Api;

/// <summary>
/// The Api Lambda function: builds its composition root once from the settings lookup and runs
/// the Lambda Runtime API loop against <c>AWS_LAMBDA_RUNTIME_API</c> until cancelled. The same entry
/// serves AWS (settings = environment variables) and the Local stack (settings supplied in-process,
/// with a local Runtime API address and local credentials).
/// </summary>
public static class ApiFunction
{
    public static async Task RunAsync(Func<string, string?> settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var loggerFactory = LambdaLogging.CreateFactory(json: !string.Equals(settings(SettingNames.LogFormat), "text", StringComparison.OrdinalIgnoreCase));
        var logger = loggerFactory.CreateLogger("AppSyncChat.Api");
        ApiHost? host = null;
        try
        {
            await LambdaRuntimeLoop.RunAsync(
                settings,
                _ =>
                {
                    // A bad setting fails here, and the loop reports it to /runtime/init/error.
                    host = ApiHost.Create(settings, loggerFactory);
                    return Task.FromResult<LambdaHandler>(host.Resolver.HandleAsync);
                },
                cancellationToken,
                new LambdaRuntimeOptions { Logger = logger }).ConfigureAwait(false);
        }
        finally
        {
            host?.Dispose();
        }
    }
}

/// <summary>The Api's long-lived objects (clients, resolver), created once per process.</summary>
public sealed class ApiHost : IDisposable
{
    private readonly IDisposable[] _owned;

    private ApiHost(ApiOptions options, ApiResolver resolver, params IDisposable[] owned)
    {
        Options = options;
        Resolver = resolver;
        _owned = owned;
    }

    public ApiOptions Options { get; }

    public ApiResolver Resolver { get; }

    /// <summary>Reads the settings (throws <see cref="ApiConfigurationException"/> naming a bad one) and builds everything.</summary>
    public static ApiHost Create(Func<string, string?> settings, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var options = ApiOptions.FromSettings(settings);
        var credentials = AwsCredentialsFactory.FromSettings(settings);
        AmazonDynamoDBClient? dynamo = null;
        AmazonSQSClient? sqs = null;
        try
        {
            dynamo = DynamoDbClientFactory.Create(options.Region, options.DynamoDbEndpoint, credentials);
            sqs = SqsClientFactory.Create(credentials, options.Region, options.SqsEndpoint);
            var store = ApiComposition.CreateStore(options, dynamo, time);
            var resolver = ApiComposition.CreateResolver(options, store, new SqsTurnQueue(sqs), loggerFactory, time);
            return new ApiHost(options, resolver, dynamo, sqs);
        }
        catch
        {
            dynamo?.Dispose();
            sqs?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }
}
