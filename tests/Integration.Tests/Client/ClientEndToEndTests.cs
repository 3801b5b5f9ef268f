using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Cli;
using AppSyncChat.Client;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Errors;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Integration.Tests.Fixtures;

namespace AppSyncChat.Integration.Tests.Client;

/// <summary>The .NET client and the CLI against the whole Local stack: GraphQL → SQS → Worker → AppSync Events → viewers.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class ClientEndToEndTests(LocalStackFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private ChatClient NewClient(string? apiKey = null) => ChatClient.Create(new ChatClientOptions
    {
        GraphQLUrl = new Uri(fixture.Endpoints.GraphqlUrl),
        GraphQLAuth = GraphQLAuth.ApiKey(apiKey ?? fixture.Endpoints.GraphqlApiKey),
        EventsHttpUrl = new Uri(fixture.Endpoints.EventsHttpUrl
            ?? throw new InvalidOperationException("The Local stack reports no AppSync Events endpoint (eventsHttpUrl): its Events emulator is not wired.")),
        EventsRealtimeUrl = fixture.Endpoints.EventsRealtimeUrl is { } realtime ? new Uri(realtime) : null,
        EventsAuthorization = EventsAuthorization.ApiKey(fixture.Endpoints.EventsApiKey),
    });

    private static SendMessageInput Message(string text, string? conversationId = null) =>
        new() { Text = text, ClientRequestId = ChannelIds.NewId(), ConversationId = conversationId };

    /// <summary>Runs a follow to its end, keeping the text the way a UI would.</summary>
    private static async Task<(string Text, MessageFinished Finished, List<ChatUpdate> Updates)> CollectAsync(IAsyncEnumerable<ChatUpdate> updates, Action<ChatUpdate>? onUpdate = null, List<(DateTimeOffset At, long Offset, string Text)>? arrivals = null)
    {
        var text = "";
        var seen = new List<ChatUpdate>();
        MessageFinished? finished = null;
        await foreach (var update in updates)
        {
            if (update is TextAppended appended)
            {
                arrivals?.Add((DateTimeOffset.UtcNow, appended.Offset, appended.Text));
            }

            seen.Add(update);
            text = update switch
            {
                FollowingMessage => "",
                TextAppended a => text + a.Text,
                TextReset r => r.Text,
                _ => text,
            };
            finished = update as MessageFinished ?? finished;
            onUpdate?.Invoke(update);
        }

        return (text, finished ?? throw new InvalidOperationException("The stream ended without a final update."), seen);
    }

    private async Task<Message> StoredAsync(ChatClient client, string conversationId, string messageId)
    {
        var conversation = await client.Api.GetConversationAsync(conversationId, null, CancellationToken.None);
        return conversation!.Messages.Single(m => m.MessageId == messageId);
    }

    [Fact]
    public async Task Send_ThreeViewersEarlyLateAndAfter_EveryViewerEndsWithTheStoredText()
    {
        using var timeout = new CancellationTokenSource(Limit);
        await using var sender = NewClient();
        await using var early = NewClient();
        await using var late = NewClient();

        MessageAccepted? accepted = null;
        var firstText = new TaskCompletionSource();
        Task<(string Text, MessageFinished Finished, List<ChatUpdate> Updates)>? lateRun = null;
        var marker = LiveStream.NewMarker();
        List<(DateTimeOffset, long, string)> senderArrivals = [], earlyArrivals = [], lateArrivals = [];
        var send = CollectAsync(sender.SendAsync(Message($"Explain how streams of text travel to several viewers {marker} [[tokens=120]] [[rate=300]]"), timeout.Token), update =>
        {
            if (update is MessageAccepted a)
            {
                accepted = a;
            }
            else if (update is TextAppended && firstText.TrySetResult())
            {
                // A late viewer joins half-way through the answer.
                lateRun = CollectAsync(late.FollowAsync(new FollowRequest(accepted!.Result.ConversationId) { MessageId = accepted.Result.AssistantMessageId }, timeout.Token), arrivals: lateArrivals);
            }
        },
        senderArrivals);
        await firstText.Task.WaitAsync(timeout.Token);
        var earlyRun = CollectAsync(early.FollowAsync(new FollowRequest(accepted!.Result.ConversationId), timeout.Token), arrivals: earlyArrivals);

        var sent = await send;
        var (earlyText, _, _) = await earlyRun;
        var (lateText, _, _) = await lateRun!;
        var afterwards = await CollectAsync(NewClient().FollowAsync(new FollowRequest(accepted.Result.ConversationId) { MessageId = accepted.Result.AssistantMessageId }, timeout.Token));

        var stored = await StoredAsync(sender, accepted.Result.ConversationId, accepted.Result.AssistantMessageId);
        Assert.Equal(MessageStatus.Completed, stored.Status);
        Assert.NotEmpty(stored.Text);
        Assert.Equal(TextChecksum.Of(stored.Text), stored.Checksum);
        Assert.Equal(stored.Text, sent.Text);
        Assert.Equal(stored.Text, sent.Finished.Text);
        Assert.Equal(stored.Text, earlyText);
        Assert.Equal(stored.Text, lateText);
        Assert.Equal(stored.Text, afterwards.Text);
        var completed = Assert.IsType<MessageCompleted>(sent.Finished);
        Assert.NotNull(completed.Usage);
        await LiveStream.AssertFlowedAsync(fixture.Endpoints.BedrockUrl!, marker, senderArrivals, earlyArrivals, lateArrivals);
    }

    [Fact]
    public async Task Stop_MidAnswer_EndsCancelledWithThePartialTextStored()
    {
        using var timeout = new CancellationTokenSource(Limit);
        await using var client = NewClient();
        MessageAccepted? accepted = null;
        Task? stop = null;
        var run = await CollectAsync(client.SendAsync(Message("Write a long story about rivers [[tokens=600]] [[rate=40]]"), timeout.Token), update =>
        {
            accepted ??= update as MessageAccepted;
            if (update is TextAppended && stop is null)
            {
                stop = client.Api.StopGenerationAsync(new StopGenerationInput { ConversationId = accepted!.Result.ConversationId, MessageId = accepted.Result.AssistantMessageId }, timeout.Token);
            }
        });
        await stop!;

        var cancelled = Assert.IsType<MessageCancelled>(run.Finished);
        var stored = await StoredAsync(client, accepted!.Result.ConversationId, accepted.Result.AssistantMessageId);
        Assert.Equal(MessageStatus.Cancelled, stored.Status);
        Assert.Equal(stored.Text, cancelled.Text);
        Assert.Equal(stored.Text, run.Text);
        Assert.True(stored.Text.Length < 600 * 3, "the answer stopped early");
    }

    [Fact]
    public async Task Send_PromptAskingForTheTime_ReportsTheToolCall()
    {
        using var timeout = new CancellationTokenSource(Limit);
        await using var client = NewClient();

        // A new conversation: SendAsync creates it and subscribes before sending, so tool events published at once
        // (they are not in the catch-up snapshot) still reach the client, however loaded the machine is.
        var run = await CollectAsync(client.SendAsync(Message("What time is it in UTC?"), timeout.Token));
        Assert.IsType<ConversationStarted>(run.Updates[0]);

        var tool = Assert.Single(run.Updates.OfType<ToolCallStarted>());
        Assert.Equal("get_current_time", tool.Name);
        Assert.Contains(run.Updates, u => u is ToolCallFinished { Name: "get_current_time" });
        Assert.IsType<MessageCompleted>(run.Finished);
    }

    [Fact]
    public async Task Api_BadInputsAndUnknownIds_MapToTypedErrors()
    {
        await using var client = NewClient();

        var empty = await Assert.ThrowsAsync<GraphQLRequestException>(() => client.Api.SendMessageAsync(Message("   "), CancellationToken.None));
        Assert.Equal(GraphQLErrorTypes.ValidationError, empty.ErrorType);
        Assert.Equal(["sendMessage"], empty.Path);

        // The Api answers an unknown (or someone else's) id with NotFound; the schema would also allow null.
        var unknown = await Assert.ThrowsAsync<GraphQLRequestException>(() => client.Api.GetConversationAsync(ChannelIds.NewId(), null, CancellationToken.None));
        Assert.Equal(GraphQLErrorTypes.NotFound, unknown.ErrorType);
        Assert.Equal(ChatErrorKind.Rejected, unknown.Kind);

        await using var wrongKey = NewClient(apiKey: "da2-wrong");
        var denied = await Assert.ThrowsAnyAsync<ChatClientException>(() => wrongKey.Api.ListConversationsAsync(null, null, CancellationToken.None));
        Assert.Equal(ChatErrorKind.Unauthorized, denied.Kind);
    }

    [Fact]
    public async Task Cli_SendThenWatch_PrintTheStoredAnswer()
    {
        var send = await RunCliAsync("send", "Say something about rivers [[tokens=40]]");
        Assert.Equal(ExitCodes.Ok, send.Code);
        var conversationId = System.Text.RegularExpressions.Regex.Match(send.Error, "conversation ([0-9a-f]{32})").Groups[1].Value;
        Assert.NotEmpty(conversationId);

        var watch = await RunCliAsync("watch", conversationId);
        var history = await RunCliAsync("history", conversationId);

        Assert.Equal(ExitCodes.Ok, watch.Code);
        Assert.Equal(send.Out, watch.Out);
        Assert.Contains(send.Out.TrimEnd(), history.Out, StringComparison.Ordinal);
        Assert.Contains("completed", send.Error, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Out, string Error)> RunCliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment
        {
            Out = TextWriter.Synchronized(output),
            Error = TextWriter.Synchronized(error),
            GetVariable = name => name == AppSyncChat.Cli.Settings.CliSettingNames.EndpointsFile ? fixture.EndpointsFilePath : null,
            CurrentDirectory = Path.GetTempPath(),
        };
        var code = await CliApp.RunAsync(args, environment).WaitAsync(Limit);
        return (code, output.ToString(), error.ToString());
    }
}
