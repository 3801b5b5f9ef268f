using System.CommandLine;
using AppSyncChat.Cli.Rendering;
using AppSyncChat.Client.CatchUp;

namespace AppSyncChat.Cli.Commands;

/// <summary><c>watch &lt;conversationId&gt;</c>: join at any time, print the whole answer so far, then follow it live.</summary>
public static class WatchCommand
{
    public static Command Create(CliContext context)
    {
        var conversation = new Argument<string>("conversationId") { Description = "The conversation to watch" };
        var message = new Option<string?>("--message") { Description = "Follow this assistant message (default: the running one, else the newest)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep watching: follow every next answer too, until Ctrl+C" };
        var command = new Command("watch", "Show a conversation's answer so far and follow it live (join at any time)") { conversation, message, follow };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var request = new FollowRequest(CliContext.RequireId(parse.GetValue(conversation), "conversationId"))
            {
                MessageId = parse.GetValue(message) is { } m ? CliContext.RequireId(m, "--message") : null,
                FollowNewMessages = parse.GetValue(follow),
            };
            var env = context.Environment;
            using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, env.Interrupts.First);
            await using var client = await context.ConnectAsync(parse, interrupted.Token).ConfigureAwait(false);
            var renderer = context.NewRenderer(parse);
            var any = false;
            try
            {
                await foreach (var update in client.FollowAsync(request, interrupted.Token).ConfigureAwait(false))
                {
                    any = true;
                    renderer.Render(update);
                }
            }
            catch (OperationCanceledException) when (env.Interrupts.First.IsCancellationRequested)
            {
                renderer.Status("stopped watching (the answer continues on the server).");
                return ExitCodes.Interrupted;
            }

            if (!any)
            {
                renderer.Status($"conversation {request.ConversationId} has no answer yet; use --follow to wait for one.");
                return ExitCodes.Ok;
            }

            return AnswerRenderer.ExitCodeFor(renderer.Finished);
        });
        return command;
    }
}
