using AppSyncChat.Cli;

return await CliApp.RunAsync(args, CliEnvironment.FromConsole());
