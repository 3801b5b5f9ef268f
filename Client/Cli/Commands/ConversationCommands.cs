using System.CommandLine;
using System.Globalization;
using AppSyncChat.Cli.Rendering;
using AppSyncChat.Client.Errors;
using AppSyncChat.Client.GraphQL;

namespace AppSyncChat.Cli.Commands;

/// <summary><c>stop</c>, <c>history</c> and <c>list</c>: one GraphQL call each.</summary>
public static class ConversationCommands
{
    public static Command CreateStop(CliContext context)
    {
        var conversation = new Argument<string>("conversationId") { Description = "The conversation" };
        var message = new Argument<string?>("messageId") { Description = "The assistant message to stop (default: the running one)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("stop", "Stop a running answer (the partial text is kept)") { conversation, message };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var env = context.Environment;
            var conversationId = CliContext.RequireId(parse.GetValue(conversation), "conversationId");
            var messageId = parse.GetValue(message) is { } m ? CliContext.RequireId(m, "messageId") : null;
            using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, env.Interrupts.First);
            await using var client = await context.ConnectAsync(parse, interrupted.Token).ConfigureAwait(false);
            if (messageId is null)
            {
                var snapshot = await client.Api.GetConversationAsync(conversationId, 2, interrupted.Token).ConfigureAwait(false)
                    ?? throw ChatClientErrors.ConversationNotFound(conversationId);
                messageId = snapshot.ActiveMessageId;
                if (messageId is null)
                {
                    await env.Out.WriteLineAsync($"nothing is running in conversation {conversationId}.").ConfigureAwait(false);
                    return ExitCodes.Ok;
                }
            }

            var result = await client.Api.StopGenerationAsync(new StopGenerationInput { ConversationId = conversationId, MessageId = messageId }, interrupted.Token).ConfigureAwait(false);
            await env.Out.WriteLineAsync(result.Accepted
                ? $"stop requested for {result.MessageId} (status now {result.Status}); the partial answer is kept."
                : $"{result.MessageId} had already ended ({result.Status}); nothing to stop.").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateHistory(CliContext context)
    {
        var conversation = new Argument<string>("conversationId") { Description = "The conversation" };
        var limit = new Option<int?>("--limit", "-n") { Description = "Only the newest N messages" };
        var command = new Command("history", "Print a conversation's messages with their status and token usage") { conversation, limit };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var env = context.Environment;
            var conversationId = CliContext.RequireId(parse.GetValue(conversation), "conversationId");
            var max = parse.GetValue(limit);
            if (max is < 1)
            {
                throw new Settings.CliUsageException("--limit must be at least 1.");
            }

            using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, env.Interrupts.First);
            await using var client = await context.ConnectAsync(parse, interrupted.Token).ConfigureAwait(false);
            var snapshot = await client.Api.GetConversationAsync(conversationId, max, interrupted.Token).ConfigureAwait(false)
                ?? throw ChatClientErrors.ConversationNotFound(conversationId);
            var o = env.Out;
            await o.WriteLineAsync($"conversation {snapshot.ConversationId}{(snapshot.Title is { } t ? $" \"{t}\"" : "")} · updated {Time(snapshot.UpdatedAt)}").ConfigureAwait(false);
            foreach (var m in snapshot.Messages)
            {
                await o.WriteLineAsync().ConfigureAwait(false);
                if (m.Role == MessageRoles.User)
                {
                    await o.WriteLineAsync($"[you · {Time(m.CreatedAt)}]").ConfigureAwait(false);
                }
                else
                {
                    var usage = m.Usage is { } u ? $" · {u.InputTokens} in / {u.OutputTokens} out tokens" : "";
                    var error = m.Error is { } e ? $" · {e.Code}: {e.Message}" : "";
                    var attempt = m.Turn > 1 ? $" · attempt {m.Turn}" : "";
                    await o.WriteLineAsync($"[assistant {m.MessageId} · {m.Status}{attempt}{usage}{error}]").ConfigureAwait(false);
                }

                await o.WriteLineAsync(m.Text).ConfigureAwait(false);
            }

            if (snapshot.ActiveMessageId is { } active)
            {
                await o.WriteLineAsync().ConfigureAwait(false);
                await o.WriteLineAsync($"(answer {active} is still running: appsyncchat watch {snapshot.ConversationId})").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateList(CliContext context)
    {
        var limit = new Option<int?>("--limit", "-n") { Description = "Conversations per page (default: the server's)" };
        var next = new Option<string?>("--next-token") { Description = "Continue from a previous page" };
        var command = new Command("list", "List your conversations, newest first") { limit, next };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var env = context.Environment;
            var max = parse.GetValue(limit);
            if (max is < 1)
            {
                throw new Settings.CliUsageException("--limit must be at least 1.");
            }

            using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, env.Interrupts.First);
            await using var client = await context.ConnectAsync(parse, interrupted.Token).ConfigureAwait(false);
            var page = await client.Api.ListConversationsAsync(max, parse.GetValue(next), interrupted.Token).ConfigureAwait(false);
            if (page.Items.Count == 0)
            {
                await env.Out.WriteLineAsync("no conversations yet; start one with: appsyncchat send \"Hello\"").ConfigureAwait(false);
            }

            foreach (var c in page.Items)
            {
                var label = c.Title ?? c.LastMessagePreview ?? "";
                await env.Out.WriteLineAsync($"{c.ConversationId}  {Time(c.UpdatedAt)}  {AnswerRenderer.OneLine(label, 60)}").ConfigureAwait(false);
            }

            if (page.NextToken is { } token)
            {
                await env.Out.WriteLineAsync($"(more: appsyncchat list --next-token {token})").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
