namespace AppSyncChat.Local.Lambda;

/// <summary>
/// One function hosted the Lambda way, as a unit: its <see cref="LambdaRuntimeServer"/> plus the
/// <see cref="FunctionHost"/> running its entry point against it. What the Local stack starts per function.
/// </summary>
public sealed class HostedFunction : IAsyncDisposable
{
    private HostedFunction(LambdaRuntimeServer server, FunctionHost host)
    {
        Server = server;
        Host = host;
    }

    public LambdaRuntimeServer Server { get; }

    public FunctionHost Host { get; }

    public static async Task<HostedFunction> StartAsync(
        LambdaFunctionOptions function,
        Func<Func<string, string?>, CancellationToken, Task> entry,
        FunctionHostOptions hostOptions,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        var server = await LambdaRuntimeServer.StartAsync(function, timeProvider, loggerFactory, cancellationToken).ConfigureAwait(false);
        try
        {
            return new HostedFunction(server, FunctionHost.Start(server, entry, hostOptions, timeProvider, loggerFactory));
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the instances first (their loops end), then the Runtime API.</summary>
    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync().ConfigureAwait(false);
        await Server.DisposeAsync().ConfigureAwait(false);
    }
}
