using AppSyncChat.Aws.Lambda;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Local.Lambda;

public sealed record FunctionHostOptions
{
    /// <summary>Execution environments to run: each is one in-process call of the entry point, i.e. one runtime loop.</summary>
    public int Instances { get; init; } = 1;

    /// <summary>The function's environment variables (table name, endpoints, credentials …), overlaid on <see cref="FallbackSettings"/>.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Where names missing from <see cref="Settings"/> are looked up (e.g. the process environment); null: nowhere.</summary>
    public Func<string, string?>? FallbackSettings { get; init; }

    /// <summary>How long a failed environment waits before it is started again (Lambda starts a fresh one on a later invoke).</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Runs a function's entry point <see cref="FunctionHostOptions.Instances"/> times in this process against a
/// <see cref="LambdaRuntimeServer"/>, each with a settings lookup in which Lambda's reserved variables
/// (<c>AWS_LAMBDA_RUNTIME_API</c> pointing at that server, <c>AWS_LAMBDA_FUNCTION_NAME</c>, …) win over the
/// given settings. An instance that ends with an error (init failure, container error) is restarted after
/// <see cref="FunctionHostOptions.RestartDelay"/>.
/// </summary>
public sealed partial class FunctionHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _instances = [];
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private int _failures;
    private Exception? _lastFailure;

    private FunctionHost(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    /// <summary>Instance runs that ended with an exception so far.</summary>
    public int Failures => Volatile.Read(ref _failures);

    public Exception? LastFailure => Volatile.Read(ref _lastFailure);

    /// <param name="entry">The function's entry point, <c>RunAsync(settings, cancellationToken)</c> (e.g. <c>ApiFunction.RunAsync</c>).</param>
    public static FunctionHost Start(LambdaRuntimeServer server, Func<Func<string, string?>, CancellationToken, Task> entry, FunctionHostOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Instances, 1);
        var host = new FunctionHost(loggerFactory?.CreateLogger($"AppSyncChat.Local.Lambda.{server.Function.FunctionName}.Host") ?? NullLogger.Instance, timeProvider ?? TimeProvider.System);
        var settings = BuildSettings(server, options);
        for (var i = 0; i < options.Instances; i++)
        {
            var instance = i;
            host._instances.Add(Task.Run(() => host.RunInstanceAsync(server.Function.FunctionName, instance, entry, settings, options.RestartDelay)));
        }

        return host;
    }

    /// <summary>The lookup an instance sees: Lambda's reserved variables, then the function's settings, then the fallback.</summary>
    public static Func<string, string?> BuildSettings(LambdaRuntimeServer server, FunctionHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        var function = server.Function;
        var reserved = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [LambdaRuntimeNames.RuntimeApiSetting] = server.RuntimeApi,
            [LambdaRuntimeNames.FunctionNameSetting] = function.FunctionName,
            [LambdaRuntimeNames.FunctionVersionSetting] = "$LATEST",
            [LambdaRuntimeNames.FunctionMemorySizeSetting] = function.MemorySizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var overlay = new Dictionary<string, string>(options.Settings, StringComparer.Ordinal);
        overlay.TryAdd(LambdaRuntimeNames.RegionSetting, function.Region);
        var fallback = options.FallbackSettings;
        return name => reserved.TryGetValue(name, out var value) ? value
            : overlay.TryGetValue(name, out var configured) ? configured
            : fallback?.Invoke(name);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_instances).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task RunInstanceAsync(string functionName, int instance, Func<Func<string, string?>, CancellationToken, Task> entry, Func<string, string?> settings, TimeSpan restartDelay)
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await entry(settings, token).ConfigureAwait(false);
                if (!token.IsCancellationRequested)
                {
                    LogReturnedEarly(_logger, functionName, instance);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _failures);
                Volatile.Write(ref _lastFailure, ex);
                LogInstanceFailed(_logger, functionName, instance, ex);
            }

            try
            {
                await Task.Delay(restartDelay, _time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Error, Message = "{FunctionName} instance {Instance} stopped with an error; restarting it")]
    private static partial void LogInstanceFailed(ILogger logger, string functionName, int instance, Exception exception);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "{FunctionName} instance {Instance} returned while the host was running; restarting it")]
    private static partial void LogReturnedEarly(ILogger logger, string functionName, int instance);
}
