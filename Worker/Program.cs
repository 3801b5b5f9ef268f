using AppSyncChat.Worker;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
await WorkerFunction.RunAsync(Environment.GetEnvironmentVariable, stop.Token);
