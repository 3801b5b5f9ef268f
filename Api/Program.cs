using AppSyncChat.Api;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
await ApiFunction.RunAsync(Environment.GetEnvironmentVariable, stop.Token);
