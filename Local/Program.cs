using System.Diagnostics;
using System.Runtime.InteropServices;
using AppSyncChat.Local;
using AppSyncChat.Local.Hosting;

// dotnet run --project Local [-- flags]: the whole system on 127.0.0.1. See Local/README.md.
LocalCommand command;
try
{
    command = LocalCommandLine.Parse(args, Environment.GetEnvironmentVariable);
}
catch (LocalStackException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

if (command.ShowHelp)
{
    Console.WriteLine(LocalCommandLine.HelpText);
    return 0;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss ";
    })
    .SetMinimumLevel(LogLevel.Information)
    .AddFilter("Microsoft", LogLevel.Warning)
    .AddFilter("AppSyncChat.Local.AppSyncEvents", LogLevel.Warning)
    .AddFilter("AppSyncChat.Local.Lambda", LogLevel.Warning)
    .AddFilter("AppSyncChat.Local.Hosting.NodeSidecar", LogLevel.Warning));

var options = command.Options with { LoggerFactory = loggerFactory };
var clock = Stopwatch.StartNew();
LocalStack stack;
try
{
    if (command.UseDefaultEndpointsFile || options.StateDirectory is null)
    {
        var root = LocalStackLayout.RepositoryRoot(options.RepositoryRoot);
        options = options with
        {
            StateDirectory = options.StateDirectory ?? Path.Combine(root, ".local"),
            EndpointsFilePath = command.UseDefaultEndpointsFile ? Path.Combine(root, LocalDefaults.EndpointsFileRelativePath) : options.EndpointsFilePath,
        };
    }

    Console.WriteLine("Starting the AppSyncChat local stack …");
    stack = await LocalStack.StartAsync(options, stop.Token);
}
catch (LocalStackException ex)
{
    Console.Error.WriteLine();
    Console.Error.WriteLine(ex.Message);
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("Start-up cancelled.");
    return 130;
}

await using (stack)
{
    Console.WriteLine();
    Console.WriteLine(ConsoleBanner.Format(stack.Endpoints, clock.Elapsed, options.EndpointsFilePath));
    var stopped = Task.Delay(Timeout.Infinite, stop.Token);
    var finished = await Task.WhenAny(stopped, stack.Failure);
    if (finished == stack.Failure && !stop.IsCancellationRequested && stack.Failure.Exception?.InnerException is { } failure)
    {
        Console.Error.WriteLine(failure.Message);
        Console.Error.WriteLine("Stopping the rest of the stack.");
        return 1;
    }

    Console.WriteLine("Stopping …");
}

Console.WriteLine("Stopped.");
return 0;
