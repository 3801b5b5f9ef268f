using System.Runtime.InteropServices;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Worker;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

// In Lambda the Runtime API drives the function; anywhere else (a container, a VM) the worker polls the queue.
if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(SettingNames.LambdaRuntimeApi)))
{
    await WorkerFunction.RunPollerAsync(Environment.GetEnvironmentVariable, stop.Token);
}
else
{
    await WorkerFunction.RunAsync(Environment.GetEnvironmentVariable, stop.Token);
}
