using AppSyncChat.Cli;
using AppSyncChat.Cli.Settings;
using AppSyncChat.Client.Errors;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Client.Tests.Support;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.Tests.Cli;

public sealed class CliTests
{
    [Fact]
    public async Task Send_AnswerCompletes_StreamsTextToStdoutStatusToStderrAndExitsZero()
    {
        using var cli = new CliHarness();
        cli.AnswerOnSend();

        var code = await cli.RunAsync("send", "Tell me about streams", "--model", "emulated", "--max-tokens", "200");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("Hello from the model.\n", cli.Out.ToString());
        // A new conversation: created (with the settings as its defaults), subscribed, then the message sent into it.
        var created = Assert.Single(cli.Api.Created);
        Assert.Equal("emulated", created.Settings!.ModelId);
        Assert.Equal(200, created.Settings.MaxTokens);
        Assert.Null(created.Title);
        var sent = Assert.Single(cli.Api.Sent);
        Assert.Equal("Tell me about streams", sent.Text);
        Assert.Equal("conv-1", sent.ConversationId);
        Assert.Null(sent.Settings);
        Assert.Matches("^[0-9a-f]{32}$", sent.ClientRequestId);
        Assert.Equal(Client.ChatClient.ConversationRequestIdFor(sent.ClientRequestId), created.ClientRequestId);
        var status = cli.Error.ToString();
        Assert.Contains("appsyncchat watch conv-1", status, StringComparison.Ordinal);
        Assert.Contains("completed (end_turn)", status, StringComparison.Ordinal);
        Assert.Contains("tokens: 12 in, 34 out, 46 total", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ExistingConversation_SubscribesBeforeSending()
    {
        using var cli = new CliHarness();
        string? subscribedAtSend = null;
        cli.Api.OnSend = _ =>
        {
            subscribedAtSend = cli.Subscription.SubscribedChannel;
            cli.Subscription.Publish([.. cli.Server.Answer.Events]);
        };

        var code = await cli.RunAsync("send", "again", "--conversation", "conv-1");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("/chat/conv-1", subscribedAtSend);
        Assert.Equal("conv-1", cli.Api.Sent.Single().ConversationId);
    }

    [Fact]
    public async Task Send_NewConversation_SubscribedBeforeTheMessageIsSent()
    {
        using var cli = new CliHarness();
        string? subscribedAtSend = null;
        cli.Api.OnSend = _ =>
        {
            subscribedAtSend = cli.Subscription.SubscribedChannel;
            cli.Subscription.Publish([.. cli.Server.Answer.Events]);
        };

        var code = await cli.RunAsync("send", "hello", "--title", "Greetings", "--system", "Be brief.", "-v");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("/chat/conv-1", subscribedAtSend);
        Assert.Equal(["create", "send"], cli.Api.Calls);
        Assert.Equal(("Greetings", "Be brief."), (cli.Api.Created.Single().Title, cli.Api.Created.Single().Settings!.SystemPrompt));
        var status = cli.Error.ToString();
        Assert.Contains("ConversationStarted(conv-1, channel subscribed)", status, StringComparison.Ordinal);
        Assert.Contains("first text after", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_TitleWithExistingConversation_UsageErrorWithoutCallingTheApi()
    {
        using var cli = new CliHarness();

        var code = await cli.RunAsync("send", "hello", "--title", "T", "--conversation", "conv-1");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--title", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(cli.Api.Calls);
    }

    [Fact]
    public async Task Send_ToolCall_PrintsToolProgress()
    {
        using var cli = new CliHarness(AnswerScript.Streamed(["It is noon."], toolsBeforePiece: new() { [0] = "get_current_time" }));
        cli.AnswerOnSend();

        var code = await cli.RunAsync("send", "what time is it");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("[tool get_current_time: Running get_current_time…]", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains("[tool get_current_time done in 5 ms]", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_OutputRedirected_StdoutIsExactlyTheAnswerPlusOneNewline()
    {
        var answer = AnswerScript.Streamed(["First part, ", "then a tool, ", "then the rest."], toolsBeforePiece: new() { [1] = "calculate" });
        using var cli = new CliHarness(answer) { OutputIsRedirected = true };
        cli.AnswerOnSend();

        var code = await cli.RunAsync("send", "--verbose", "calculate something");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(answer.FinalText + "\n", cli.Out.ToString());
        Assert.Contains("[tool calculate", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains("ms] AnswerStarted", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StreamEventTypes.TurnFailed, "interrupted: ModelStreamError")]
    [InlineData(StreamEventTypes.TurnCancelled, "stopped · partial answer kept")]
    public async Task Send_AnswerFailsOrIsStopped_ExitsOneWithThePartialText(string terminal, string expected)
    {
        using var cli = new CliHarness(AnswerScript.Streamed(["Partial"], terminal));
        cli.AnswerOnSend();

        var code = await cli.RunAsync("send", "hello");

        Assert.Equal(ExitCodes.AnswerNotCompleted, code);
        Assert.StartsWith("Partial", cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains(expected, cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_CtrlCWhileStreaming_CallsStopGenerationAndExitsOneWhenCancelled()
    {
        var answer = new AnswerScript();
        answer.StartTurn(1, 0);
        answer.Delta("A long answer ");
        using var cli = new CliHarness(answer);
        cli.Api.OnSend = _ => cli.Subscription.Publish([.. answer.Events]);
        cli.Server.OnFetch = fetch =>
        {
            if (fetch == 1)
            {
                cli.Interrupts.Trigger(); // Ctrl+C once the answer is being followed
            }
        };
        cli.Api.OnStop = _ => cli.Subscription.Publish(answer.End(StreamEventTypes.TurnCancelled));

        var code = await cli.RunAsync("send", "write a long answer");

        Assert.Equal(ExitCodes.AnswerNotCompleted, code);
        var stop = Assert.Single(cli.Api.Stopped);
        Assert.Equal(("conv-1", "msg-a1"), (stop.ConversationId, stop.MessageId));
        Assert.Contains("stopping the answer", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains("stopped · partial answer kept (14 characters)", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("A long answer ", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_CtrlCWhileTheMessageIsBeingSent_StopsOnceAccepted()
    {
        var answer = new AnswerScript();
        answer.StartTurn(1, 0);
        answer.Delta("Early text ");
        using var cli = new CliHarness(answer);
        cli.Api.OnSend = _ =>
        {
            cli.Interrupts.Trigger(); // Ctrl+C while sendMessage is in flight
            cli.Subscription.Publish([.. answer.Events]);
        };
        cli.Api.OnStop = _ => cli.Subscription.Publish(answer.End(StreamEventTypes.TurnCancelled));

        var code = await cli.RunAsync("send", "-c", "conv-1", "hello");

        Assert.Equal(ExitCodes.AnswerNotCompleted, code);
        Assert.Equal("msg-a1", Assert.Single(cli.Api.Stopped).MessageId);
        Assert.Contains("stopping as soon as the message is accepted", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains("stopped · partial answer kept", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ConflictFromApi_ExitsFourWithTheServerMessage()
    {
        using var cli = new CliHarness();
        cli.Api.FailAll = ChatClientErrors.GraphQL([new GraphQLError("Conflict", "An answer is already running in this conversation.", ["sendMessage"])], null, null);

        var code = await cli.RunAsync("send", "hello", "-c", "conv-1");

        Assert.Equal(ExitCodes.Rejected, code);
        Assert.Contains("Conflict: An answer is already running", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_UnreachableLocalStack_ExitsThreeAndSaysHowToStartIt()
    {
        using var cli = new CliHarness();
        cli.Variables.Clear();
        cli.WriteEndpointsFile("""{"graphqlUrl":"http://127.0.0.1:4000/graphql","graphqlApiKey":"k","eventsHttpUrl":"http://127.0.0.1:4010/event","eventsRealtimeUrl":"ws://127.0.0.1:4010/event/realtime"}""");
        cli.Api.FailAll = ChatClientErrors.Unreachable(new Uri("http://127.0.0.1:4000/graphql"), new HttpRequestException("Connection refused"));

        var code = await cli.RunAsync("send", "hello");

        Assert.Equal(ExitCodes.ConnectionOrAuth, code);
        Assert.Contains("cannot reach the local stack at http://127.0.0.1:4000/graphql — start it with `dotnet run --project Local`", cli.Error.ToString(), StringComparison.Ordinal);
        var options = Assert.Single(cli.ClientOptions);
        Assert.Equal(new Uri("ws://127.0.0.1:4010/event/realtime"), options.EventsRealtimeUrl);
    }

    [Fact]
    public async Task AnyCommand_NoConfigurationAndNoLocalStack_ExitsThreeWithHint()
    {
        using var cli = new CliHarness();
        cli.Variables.Clear();

        var code = await cli.RunAsync("list");

        Assert.Equal(ExitCodes.ConnectionOrAuth, code);
        Assert.Contains("dotnet run --project Local", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(cli.ClientOptions);
    }

    [Fact]
    public async Task AnyCommand_StaleEndpointsFile_ExitsThreeSayingTheStackStopped()
    {
        using var cli = new CliHarness();
        cli.Variables.Clear();
        cli.WriteEndpointsFile("""{"graphqlUrl":"http://127.0.0.1:4000/graphql","graphqlApiKey":"k","eventsHttpUrl":"http://127.0.0.1:4010/event","processId":2147483000}""");

        var code = await cli.RunAsync("list");

        Assert.Equal(ExitCodes.ConnectionOrAuth, code);
        Assert.Contains("no longer running", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_FlagsBeatEnvironment()
    {
        using var cli = new CliHarness();

        var code = await cli.RunAsync("list", "--graphql-url", "https://example.appsync-api.eu-west-1.amazonaws.com/graphql", "--token", "jwt-value");

        Assert.Equal(ExitCodes.Ok, code);
        var options = Assert.Single(cli.ClientOptions);
        Assert.Equal("example.appsync-api.eu-west-1.amazonaws.com", options.GraphQLUrl.Host);
        Assert.Equal(GraphQLAuth.Token("jwt-value"), options.GraphQLAuth);
        Assert.Equal(new Uri("http://127.0.0.1:4010/event"), options.EventsHttpUrl);
    }

    [Theory]
    [InlineData("send")]
    [InlineData("send", "")]
    [InlineData("send", "hi", "--conversation", "not valid!")]
    [InlineData("send", "hi", "--max-tokens", "many")]
    [InlineData("watch")]
    [InlineData("watch", "-bad-")]
    [InlineData("history", "c1", "--limit", "0")]
    [InlineData("frobnicate")]
    [InlineData("list", "--no-such-option")]
    [InlineData("list", "--graphql-url", "ftp://x/graphql")]
    public async Task Usage_BadArguments_ExitTwoWithoutCallingTheApi(params string[] args)
    {
        using var cli = new CliHarness();

        var code = await cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("error: ", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(cli.Api.Sent);
    }

    [Fact]
    public async Task Help_ListsEveryCommandAndExitsZero()
    {
        using var cli = new CliHarness();

        var code = await cli.RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, code);
        foreach (var command in new[] { "send", "watch", "stop", "history", "list", "regenerate" })
        {
            Assert.Contains(command, cli.Out.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Watch_LateJoin_PrintsTheWholeAnswerOnce()
    {
        using var cli = new CliHarness();
        var answer = cli.Server.Answer;
        answer.CheckpointIndex = 2; // "Hello from " already stored
        cli.Server.OnFetch = fetch =>
        {
            if (fetch == 1)
            {
                cli.Subscription.Publish([.. answer.Events.Skip(1)]); // replays 1..2, then new events
            }
        };

        var code = await cli.RunAsync("watch", "conv-1");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("Hello from the model.\n", cli.Out.ToString());
        Assert.Contains("> Tell me about streams", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal("/chat/conv-1", cli.Subscription.SubscribedChannel);
    }

    [Fact]
    public async Task Watch_UnknownConversation_ExitsFour()
    {
        using var cli = new CliHarness();
        cli.Server.Exists = false;

        var code = await cli.RunAsync("watch", "conv-1");

        Assert.Equal(ExitCodes.Rejected, code);
        Assert.Contains("NotFound", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_Unauthorized_ExitsThreeAndNamesTheCredentialOptions()
    {
        using var cli = new CliHarness();
        cli.Api.FailAll = ChatClientErrors.GraphQL([new GraphQLError("UnauthorizedException", "You are not authorized to make this call.", [])], System.Net.HttpStatusCode.Unauthorized, "r-1");

        var code = await cli.RunAsync("watch", "conv-1");

        Assert.Equal(ExitCodes.ConnectionOrAuth, code);
        Assert.Contains("--api-key", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_WithoutMessageId_StopsTheActiveAnswer()
    {
        using var cli = new CliHarness();
        cli.Server.Answer.CheckpointIndex = 1;

        var code = await cli.RunAsync("stop", "conv-1");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("msg-a1", Assert.Single(cli.Api.Stopped).MessageId);
        Assert.Contains("stop requested for msg-a1", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_NothingRunning_SaysSoWithoutCallingStop()
    {
        using var cli = new CliHarness();
        cli.Server.Answer.CheckpointAll();

        var code = await cli.RunAsync("stop", "conv-1");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Empty(cli.Api.Stopped);
        Assert.Contains("nothing is running", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_PrintsEveryMessageWithStatusAndUsage()
    {
        using var cli = new CliHarness();
        cli.Server.Answer.CheckpointAll();

        var code = await cli.RunAsync("history", "conv-1");

        Assert.Equal(ExitCodes.Ok, code);
        var text = cli.Out.ToString();
        Assert.Contains("Tell me about streams", text, StringComparison.Ordinal);
        Assert.Contains("[assistant msg-a1 · COMPLETED · 12 in / 34 out tokens]", text, StringComparison.Ordinal);
        Assert.Contains("Hello from the model.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_PrintsConversationsAndTheNextPageCommand()
    {
        using var cli = new CliHarness();
        cli.Api.Page = new ConversationPage
        {
            Items = [new ConversationSummary { ConversationId = "conv-9", Title = "Streams", UpdatedAt = new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero) }],
            NextToken = "tok-2",
        };

        var code = await cli.RunAsync("list", "-n", "1");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("conv-9  2026-11-21 08:00:00Z  Streams", cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("appsyncchat list --next-token tok-2", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Regenerate_StreamsTheNewAnswer()
    {
        using var cli = new CliHarness();
        cli.Api.OnSend = null;
        string? channelAtRegenerate = null;
        cli.Server.OnFetch = _ => channelAtRegenerate ??= cli.Subscription.SubscribedChannel;
        cli.Subscription.Publish([.. cli.Server.Answer.Events]);

        var code = await cli.RunAsync("regenerate", "conv-1");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("conv-1", Assert.Single(cli.Api.Regenerated).ConversationId);
        Assert.Equal("/chat/conv-1", channelAtRegenerate);
        Assert.Equal("Hello from the model.\n", cli.Out.ToString());
    }

    [Fact]
    public void Describe_EveryErrorKind_HasItsExitCode()
    {
        var context = new AppSyncChat.Cli.Commands.CliContext(new CliEnvironment { Out = TextWriter.Null, Error = TextWriter.Null, GetVariable = _ => null, CurrentDirectory = "/" });

        Assert.Equal(ExitCodes.Usage, CliApp.Describe(new CliUsageException("x"), context).Code);
        Assert.Equal(ExitCodes.Usage, CliApp.Describe(new ArgumentException("x"), context).Code);
        Assert.Equal(ExitCodes.ConnectionOrAuth, CliApp.Describe(ChatClientErrors.SubscriptionLost("/chat/c", null), context).Code);
        Assert.Equal(ExitCodes.Rejected, CliApp.Describe(ChatClientErrors.ConversationNotFound("c"), context).Code);
        Assert.Equal(ExitCodes.ServiceError, CliApp.Describe(ChatClientErrors.BadResponse("x", null, null), context).Code);
        Assert.Equal(ExitCodes.ServiceError, CliApp.Describe(ChatClientErrors.Http(System.Net.HttpStatusCode.ServiceUnavailable, null, "r", new Uri("http://x/")), context).Code);
        Assert.Equal(ExitCodes.ServiceError, CliApp.Describe(new InvalidOperationException("bug"), context).Code);
    }
}
