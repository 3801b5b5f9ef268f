using AppSyncChat.Bench;

return await BenchCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
