using System.CommandLine;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Cli.Commands;
using AppSyncChat.Cli.Settings;
using AppSyncChat.Client.Errors;

namespace AppSyncChat.Cli;

/// <summary>The <c>appsyncchat</c> command line: parsing, dispatch, and the mapping of every failure to an exit code and an actionable message.</summary>
public static class CliApp
{
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("appsyncchat: chat with an AppSyncChat deployment or the local stack; answers stream live.")
        {
            SendCommand.Create(context),
            WatchCommand.Create(context),
            ConversationCommands.CreateStop(context),
            ConversationCommands.CreateHistory(context),
            ConversationCommands.CreateList(context),
            SendCommand.CreateRegenerate(context),
        };
        foreach (var option in context.GlobalOptions)
        {
            root.Options.Add(option);
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var context = new CliContext(environment);
        var parse = BuildRoot(context).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await environment.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            }

            await environment.Error.WriteLineAsync("run 'appsyncchat --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = environment.Out,
            Error = environment.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Ctrl+C is ours: send turns it into a real stop
        };
        try
        {
            return await parse.InvokeAsync(invocation, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var (code, message) = Describe(ex, context);
            await environment.Error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
            return code;
        }
    }

    /// <summary>Exit code and a message a person can act on, for any failure.</summary>
    public static (int Code, string Message) Describe(Exception exception, CliContext context)
    {
        var connection = context.Connection;
        var local = connection?.FromLocalStack == true ? $" — {CliSettingNames.StartLocalHint}" : "";
        switch (exception)
        {
            case CliUsageException usage:
                return (usage.ExitCode, usage.Message);

            case ArgumentException argument:
                return (ExitCodes.Usage, argument.Message);

            case OperationCanceledException when context.Environment.Interrupts.First.IsCancellationRequested:
                return (ExitCodes.Interrupted, "interrupted.");

            case ChatConnectionException unreachable when unreachable.Endpoint is not null:
                return (ExitCodes.ConnectionOrAuth, connection?.FromLocalStack == true
                    ? $"cannot reach the local stack at {unreachable.Endpoint}{local} ({unreachable.Message})"
                    : unreachable.Message);

            case ChatConnectionException lost:
                return (ExitCodes.ConnectionOrAuth, lost.Message);

            case ChatClientException { Kind: ChatErrorKind.Unauthorized } denied:
                return (ExitCodes.ConnectionOrAuth, $"{denied.Message} — check the API key or token ({CliSettingNames.ApiKeyOption}, {CliSettingNames.TokenOption})");

            case GraphQLRequestException { Kind: ChatErrorKind.Rejected } rejected:
                return (ExitCodes.Rejected, rejected.Message);

            case ChatClientException { Kind: ChatErrorKind.Rejected } rejected:
                return (ExitCodes.Rejected, rejected.Message);

            case ChatClientException service:
                return (ExitCodes.ServiceError, service.RequestId is { } id ? $"{service.Message} (request id {id})" : service.Message);

            case AppSyncEventsException events when events.ErrorSource is EventsErrorSource.Transport or EventsErrorSource.Timeout or EventsErrorSource.Closed:
                var where = connection?.EventsRealtimeUrl?.ToString() ?? connection?.EventsHttpUrl.ToString() ?? "AppSync Events";
                return (ExitCodes.ConnectionOrAuth, connection?.FromLocalStack == true
                    ? $"cannot reach the local stack's AppSync Events endpoint at {where}{local} ({events.Message})"
                    : $"cannot reach AppSync Events at {where}: {events.Message}");

            case AppSyncEventsException events when IsAuth(events.ErrorCode):
                return (ExitCodes.ConnectionOrAuth, $"AppSync Events refused the credentials ({events.ErrorCode}: {events.Message}) — check {CliSettingNames.EventsApiKeyOption} or {CliSettingNames.TokenOption}");

            case AppSyncEventsException events:
                return (ExitCodes.ServiceError, $"AppSync Events: {events.ErrorCode}: {events.Message}");

            default:
                return (ExitCodes.ServiceError, $"unexpected {exception.GetType().Name}: {exception.Message}");
        }
    }

    private static bool IsAuth(string errorType) =>
        errorType.Contains("Unauthorized", StringComparison.OrdinalIgnoreCase) || errorType.Contains("Forbidden", StringComparison.OrdinalIgnoreCase)
        || errorType.Contains("NotAuthorized", StringComparison.OrdinalIgnoreCase);
}
