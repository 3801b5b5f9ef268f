using System.CommandLine;
using System.Globalization;
using AppSyncChat.Cli.Rendering;
using AppSyncChat.Cli.Settings;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Errors;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Channels;

namespace AppSyncChat.Cli.Commands;

/// <summary><c>send "text"</c> and <c>regenerate &lt;conversationId&gt;</c>: start an answer and stream it live; Ctrl+C stops the generation.</summary>
public static class SendCommand
{
    /// <summary>How long to wait for <c>turn.cancelled</c> after a stop was requested.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private sealed class ModelOptions
    {
        public Option<string?> Model { get; } = new("--model", "-m") { Description = "Model id (default: the deployment's)" };

        public Option<int?> MaxTokens { get; } = new("--max-tokens") { Description = "Largest answer, in tokens" };

        public Option<double?> Temperature { get; } = new("--temperature") { Description = "Sampling temperature" };

        public Option<double?> TopP { get; } = new("--top-p") { Description = "Nucleus sampling" };

        public Option<string?> System { get; } = new("--system") { Description = "System prompt" };

        public Option<string?> RequestId { get; } = new("--request-id") { Description = "Idempotency key (1-50 of [A-Za-z0-9-]); retrying with the same key starts nothing new" };

        public void AddTo(Command command)
        {
            command.Options.Add(Model);
            command.Options.Add(MaxTokens);
            command.Options.Add(Temperature);
            command.Options.Add(TopP);
            command.Options.Add(System);
            command.Options.Add(RequestId);
        }

        public ModelSettingsInput? Read(ParseResult parse)
        {
            var settings = new ModelSettingsInput
            {
                ModelId = parse.GetValue(Model),
                MaxTokens = parse.GetValue(MaxTokens),
                Temperature = parse.GetValue(Temperature),
                TopP = parse.GetValue(TopP),
                SystemPrompt = parse.GetValue(System),
            };
            return settings == new ModelSettingsInput() ? null : settings;
        }

        public string ReadRequestId(ParseResult parse) =>
            parse.GetValue(RequestId) is { } id ? CliContext.RequireId(id, "--request-id") : ChannelIds.NewId();
    }

    public static Command Create(CliContext context)
    {
        var text = new Argument<string>("text") { Description = "The message (quote it)" };
        var conversation = new Option<string?>("--conversation", "-c") { Description = "Continue this conversation (default: start a new one)" };
        var title = new Option<string?>("--title") { Description = "Title of the new conversation (default: its first words)" };
        var model = new ModelOptions();
        var command = new Command("send", "Send a message and stream the answer live (Ctrl+C stops the generation)") { text, conversation, title };
        model.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var message = parse.GetValue(text);
            if (string.IsNullOrWhiteSpace(message))
            {
                throw new CliUsageException("the message text is empty.");
            }

            var conversationId = parse.GetValue(conversation) is { } c ? CliContext.RequireId(c, "--conversation") : null;
            var newTitle = parse.GetValue(title);
            if (newTitle is not null && conversationId is not null)
            {
                throw new CliUsageException("--title names a new conversation; it cannot be used with --conversation.");
            }

            var requestId = model.ReadRequestId(parse);
            await using var client = await context.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            if (conversationId is null)
            {
                // A new conversation: created first and subscribed before the message is sent, so the answer's
                // first event is never missed. Its settings are the conversation's defaults for later answers too.
                var create = new CreateConversationInput
                {
                    ClientRequestId = Client.ChatClient.ConversationRequestIdFor(requestId),
                    Title = newTitle,
                    Settings = model.Read(parse),
                };
                var first = new SendMessageInput { Text = message, ClientRequestId = requestId };
                return await StreamAsync(context, context.NewRenderer(parse), client, ct => client.StartConversationAsync(create, first, ct)).ConfigureAwait(false);
            }

            var input = new SendMessageInput { ConversationId = conversationId, Text = message, ClientRequestId = requestId, Settings = model.Read(parse) };
            return await StreamAsync(context, context.NewRenderer(parse), client, ct => client.SendAsync(input, ct)).ConfigureAwait(false);
        });
        return command;
    }

    public static Command CreateRegenerate(CliContext context)
    {
        var conversation = new Argument<string>("conversationId") { Description = "The conversation whose last message is answered again" };
        var model = new ModelOptions();
        var command = new Command("regenerate", "Answer the last message of a conversation again, streaming it live") { conversation };
        model.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var input = new RegenerateInput
            {
                ConversationId = CliContext.RequireId(parse.GetValue(conversation), "conversationId"),
                ClientRequestId = model.ReadRequestId(parse),
                Settings = model.Read(parse),
            };
            await using var client = await context.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            return await StreamAsync(context, context.NewRenderer(parse), client, ct => client.RegenerateAsync(input, ct)).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> StreamAsync(CliContext context, AnswerRenderer renderer, Client.ChatClient client, Func<CancellationToken, IAsyncEnumerable<ChatUpdate>> start)
    {
        var env = context.Environment;
        using var follow = new CancellationTokenSource();
        var stopRequested = false;
        var interrupted = false;
        Task stopTask = Task.CompletedTask;
        void RequestStop()
        {
            // Called on Ctrl+C, and again when the message is accepted if Ctrl+C came while it was being sent.
            if (!stopRequested && renderer.ConversationId is { } conversationId && renderer.MessageId is { } messageId && renderer.Finished is null)
            {
                stopRequested = true;
                stopTask = StopAsync(client, renderer, conversationId, messageId, env.TimeProvider, follow);
            }
        }

        using (env.Interrupts.First.Register(() =>
        {
            interrupted = true;
            RequestStop();
            if (!stopRequested)
            {
                // Not accepted yet: the stop follows as soon as the send returns (bounded by the grace period).
                renderer.Status("stopping as soon as the message is accepted… (Ctrl+C again quits at once)");
                _ = CancelAfterAsync(follow, StopGrace, env.TimeProvider);
            }
        }))
        {
            try
            {
                await foreach (var update in start(follow.Token).ConfigureAwait(false))
                {
                    renderer.Render(update);
                    if (interrupted && update is MessageAccepted)
                    {
                        RequestStop();
                    }
                }
            }
            catch (OperationCanceledException) when (follow.IsCancellationRequested)
            {
                if (stopRequested)
                {
                    renderer.Status($"stop requested, but no confirmation arrived in {StopGrace.TotalSeconds:0} s; see the final state with: appsyncchat history {renderer.ConversationId}");
                    return ExitCodes.AnswerNotCompleted;
                }

                renderer.Status(renderer.ConversationId is { } id
                    ? $"interrupted; the answer continues on the server: appsyncchat watch {id}"
                    : "interrupted before the message was accepted.");
                return ExitCodes.Interrupted;
            }
            finally
            {
                await follow.CancelAsync().ConfigureAwait(false);
                await stopTask.ConfigureAwait(false);
            }
        }

        return AnswerRenderer.ExitCodeFor(renderer.Finished);
    }

    private static async Task CancelAfterAsync(CancellationTokenSource follow, TimeSpan delay, TimeProvider time)
    {
        try
        {
            await Task.Delay(delay, time, follow.Token).ConfigureAwait(false);
            await follow.CancelAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The command ended first.
        }
        catch (ObjectDisposedException)
        {
            // The command ended first.
        }
    }

    private static async Task StopAsync(Client.ChatClient client, AnswerRenderer renderer, string conversationId, string messageId, TimeProvider time, CancellationTokenSource follow)
    {
        await Task.Yield();
        renderer.Status("stopping the answer… (Ctrl+C again quits at once)");
        try
        {
            var result = await client.Api.StopGenerationAsync(new StopGenerationInput { ConversationId = conversationId, MessageId = messageId }, follow.Token).ConfigureAwait(false);
            if (!result.Accepted)
            {
                renderer.Status($"the answer had already ended ({result.Status.ToLower(CultureInfo.InvariantCulture)}).");
            }

            await Task.Delay(StopGrace, time, follow.Token).ConfigureAwait(false);
            await follow.CancelAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (follow.IsCancellationRequested)
        {
            // The answer ended (or the command did): nothing left to wait for.
        }
        catch (ChatClientException ex)
        {
            renderer.Status($"could not stop the answer: {ex.Message}");
            await follow.CancelAsync().ConfigureAwait(false);
        }
    }
}
