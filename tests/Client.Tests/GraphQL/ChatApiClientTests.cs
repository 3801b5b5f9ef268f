using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AppSyncChat.Client.Errors;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Testing;

namespace AppSyncChat.Client.Tests.GraphQL;

public sealed class ChatApiClientTests
{
    private static readonly Uri Endpoint = new("http://127.0.0.1:4000/graphql");

    private sealed class StubHandler(Func<HttpRequestMessage, string, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
    {
        public List<(HttpRequestMessage Request, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add((request, body));
            return await respond(request, body, cancellationToken);
        }
    }

    private static StubHandler Answer(HttpStatusCode status, string body, string contentType = "application/json", string? requestId = null) =>
        new((_, _, _) =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };
            if (requestId is not null)
            {
                response.Headers.TryAddWithoutValidation("x-amzn-RequestId", requestId);
            }

            return Task.FromResult(response);
        });

    private static ChatApiClient Client(HttpMessageHandler handler, GraphQLAuth? auth = null, TimeProvider? time = null) =>
        new(new HttpClient(handler), Endpoint, auth ?? GraphQLAuth.ApiKey("da2-test"), TimeSpan.FromSeconds(5), time);

    private const string SendResult = """
        {"data":{"sendMessage":{"conversationId":"c1","userMessageId":"u1","assistantMessageId":"a1","channel":"/chat/c1","turn":1,"status":"QUEUED"}}}
        """;

    [Fact]
    public async Task SendMessage_Success_PostsQueryAndVariablesWithApiKeyAndParsesResult()
    {
        var handler = Answer(HttpStatusCode.OK, SendResult);
        var result = await Client(handler).SendMessageAsync(
            new SendMessageInput { Text = "Hello", ClientRequestId = "req-1", Settings = new ModelSettingsInput { MaxTokens = 100 } }, CancellationToken.None);

        Assert.Equal("a1", result.AssistantMessageId);
        Assert.Equal("/chat/c1", result.Channel);
        var (request, body) = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("da2-test", request.Headers.GetValues("x-api-key").Single());
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Contains("sendMessage(input: $input)", json.RootElement.GetProperty("query").GetString(), StringComparison.Ordinal);
        var input = json.RootElement.GetProperty("variables").GetProperty("input");
        Assert.Equal("Hello", input.GetProperty("text").GetString());
        Assert.Equal("req-1", input.GetProperty("clientRequestId").GetString());
        Assert.Equal(100, input.GetProperty("settings").GetProperty("maxTokens").GetInt32());
        Assert.False(input.TryGetProperty("conversationId", out _)); // nulls are omitted
        Assert.False(input.GetProperty("settings").TryGetProperty("temperature", out _));
    }

    [Fact]
    public async Task CreateConversation_Success_PostsInputAndParsesTheConversationWithSettings()
    {
        var handler = Answer(HttpStatusCode.OK, """
            {"data":{"createConversation":{"conversationId":"c1","title":"Trip","createdAt":"2026-12-06T07:30:00.000Z","updatedAt":"2026-12-06T07:30:00.000Z",
              "channel":"/chat/c1","activeMessageId":null,"messages":[],"settings":{"modelId":null,"maxTokens":300,"temperature":0.2,"topP":null,"systemPrompt":"Be brief."}}}}
            """);

        var conversation = await Client(handler).CreateConversationAsync(
            new CreateConversationInput { ClientRequestId = "create-1", Title = "Trip", Settings = new ModelSettingsInput { SystemPrompt = "Be brief." } }, CancellationToken.None);

        Assert.Equal(("c1", "Trip", "/chat/c1"), (conversation.ConversationId, conversation.Title, conversation.Channel));
        Assert.Empty(conversation.Messages);
        Assert.Equal((300, 0.2, "Be brief."), (conversation.Settings!.MaxTokens!.Value, conversation.Settings.Temperature!.Value, conversation.Settings.SystemPrompt));
        using var json = JsonDocument.Parse(handler.Requests.Single().Body);
        var query = json.RootElement.GetProperty("query").GetString()!;
        Assert.Contains("createConversation(input: $input)", query, StringComparison.Ordinal);
        Assert.Contains("settings { modelId maxTokens temperature topP systemPrompt }", query, StringComparison.Ordinal);
        var input = json.RootElement.GetProperty("variables").GetProperty("input");
        Assert.Equal(("create-1", "Trip", "Be brief."), (input.GetProperty("clientRequestId").GetString(), input.GetProperty("title").GetString(), input.GetProperty("settings").GetProperty("systemPrompt").GetString()));
    }

    [Fact]
    public async Task CreateConversation_InvalidClientRequestId_RefusedBeforeAnyRequest()
    {
        var handler = Answer(HttpStatusCode.OK, "{}");

        await Assert.ThrowsAsync<ArgumentException>(() => Client(handler).CreateConversationAsync(new CreateConversationInput { ClientRequestId = "has space" }, CancellationToken.None));

        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Request_WithToken_SendsAuthorizationHeaderAndNoApiKey()
    {
        var handler = Answer(HttpStatusCode.OK, """{"data":{"listConversations":{"items":[],"nextToken":null}}}""");
        await Client(handler, GraphQLAuth.Token("eyJ.token")).ListConversationsAsync(10, null, CancellationToken.None);

        var request = handler.Requests.Single().Request;
        Assert.Equal("eyJ.token", request.Headers.GetValues("Authorization").Single());
        Assert.False(request.Headers.Contains("x-api-key"));
    }

    [Theory]
    [InlineData("ValidationError", ChatErrorKind.Rejected)]
    [InlineData("NotFound", ChatErrorKind.Rejected)]
    [InlineData("Conflict", ChatErrorKind.Rejected)]
    [InlineData("Unauthorized", ChatErrorKind.Unauthorized)]
    [InlineData("UnauthorizedException", ChatErrorKind.Unauthorized)]
    [InlineData("Throttling", ChatErrorKind.Unavailable)]
    [InlineData("Lambda:Unhandled", ChatErrorKind.Unavailable)]
    [InlineData("ExecutionTimeout", ChatErrorKind.Unavailable)]
    public async Task GraphQLError_WithErrorType_MapsToTypedExceptionWithMessageAndPath(string errorType, ChatErrorKind kind)
    {
        var body = $$"""
            {"data":{"sendMessage":null},"errors":[{"path":["sendMessage"],"data":null,"errorType":"{{errorType}}","errorInfo":null,
              "locations":[{"line":1,"column":52,"sourceName":null}],"message":"text must not be empty"}]}
            """;
        var client = Client(Answer(HttpStatusCode.OK, body, requestId: "req-abc"));

        var error = await Assert.ThrowsAsync<GraphQLRequestException>(() =>
            client.SendMessageAsync(new SendMessageInput { Text = "x", ClientRequestId = "r1" }, CancellationToken.None));

        Assert.Equal(errorType, error.ErrorType);
        Assert.Equal(errorType, error.Code);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(["sendMessage"], error.Path);
        Assert.Equal("text must not be empty", error.Errors[0].Message);
        Assert.Equal("req-abc", error.RequestId);
        Assert.Equal(kind == ChatErrorKind.Unavailable, error.Retryable);
        Assert.Contains("text must not be empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GraphQLError_Several_KeepsEveryErrorAndNamesTheFirst()
    {
        var body = """
            {"errors":[{"message":"Variable \"$input\" got invalid value","extensions":{"code":"BAD_USER_INPUT"}},
                       {"message":"second","path":["a",0,"b"]}]}
            """;
        var error = await Assert.ThrowsAsync<GraphQLRequestException>(() =>
            Client(Answer(HttpStatusCode.OK, body)).ListConversationsAsync(null, null, CancellationToken.None));

        Assert.Equal(2, error.Errors.Count);
        Assert.Equal("BAD_USER_INPUT", error.ErrorType); // graphql-js style extensions.code
        Assert.Equal(["a", "0", "b"], error.Errors[1].Path);
        Assert.Contains("+1 more", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http401_WithAppSyncErrorBody_IsUnauthorizedGraphQLError()
    {
        var body = """{"errors":[{"errorType":"UnauthorizedException","message":"You are not authorized to make this call."}]}""";
        var error = await Assert.ThrowsAsync<GraphQLRequestException>(() =>
            Client(Answer(HttpStatusCode.Unauthorized, body)).GetConversationAsync("c1", null, CancellationToken.None));

        Assert.Equal(ChatErrorKind.Unauthorized, error.Kind);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("UnauthorizedException", error.ErrorType);
    }

    [Fact]
    public async Task Http502_WithHtmlBody_IsRetryableHttpError()
    {
        var error = await Assert.ThrowsAsync<ChatHttpException>(() =>
            Client(Answer(HttpStatusCode.BadGateway, "<html>bad gateway</html>", "text/html")).GetConversationAsync("c1", null, CancellationToken.None));

        Assert.Equal(ChatErrorKind.Unavailable, error.Kind);
        Assert.True(error.Retryable);
        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Equal("Http502", error.Code);
    }

    [Fact]
    public async Task Http403_WithoutBody_IsUnauthorizedHttpError()
    {
        var error = await Assert.ThrowsAsync<ChatHttpException>(() =>
            Client(Answer(HttpStatusCode.Forbidden, "")).GetConversationAsync("c1", null, CancellationToken.None));

        Assert.Equal(ChatErrorKind.Unauthorized, error.Kind);
        Assert.False(error.Retryable);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2]")]
    [InlineData("""{"data":{}}""")]
    [InlineData("""{"something":"else"}""")]
    [InlineData("""{"data":{"sendMessage":{"conversationId":"c1"}}}""")]
    [InlineData("""{"data":{"sendMessage":null}}""")]
    public async Task Response_NotMatchingTheProtocol_IsProtocolError(string body)
    {
        var error = await Assert.ThrowsAsync<ChatProtocolException>(() =>
            Client(Answer(HttpStatusCode.OK, body)).SendMessageAsync(new SendMessageInput { Text = "x", ClientRequestId = "r1" }, CancellationToken.None));

        Assert.Equal(ChatErrorKind.Protocol, error.Kind);
    }

    [Fact]
    public async Task GetConversation_Null_ReturnsNull()
    {
        var result = await Client(Answer(HttpStatusCode.OK, """{"data":{"getConversation":null}}""")).GetConversationAsync("c1", 5, CancellationToken.None);
        Assert.Null(result);
    }

    [Fact]
    public async Task GetConversation_FullSnapshot_ParsesEveryField()
    {
        var body = """
            {"data":{"getConversation":{"conversationId":"c1","title":"Streams","createdAt":"2026-11-21T08:00:00.000Z","updatedAt":"2026-11-21T08:00:05Z",
              "channel":"/chat/c1","activeMessageId":null,"messages":[
                {"messageId":"u1","role":"USER","text":"Hi","status":"COMPLETED","turn":1,"seq":-1,"offset":2,"createdAt":"2026-11-21T08:00:00Z","updatedAt":"2026-11-21T08:00:00Z","stopReason":null,"usage":null,"error":null,"checksum":null},
                {"messageId":"a1","role":"ASSISTANT","text":"Hello there","status":"INTERRUPTED","turn":2,"seq":41,"offset":11,"createdAt":"2026-11-21T08:00:01Z","updatedAt":"2026-11-21T08:00:05Z",
                 "stopReason":null,"usage":{"inputTokens":3,"outputTokens":4,"totalTokens":7},"error":{"code":"ModelStreamError","message":"boom","retryable":true},"checksum":"abc","newField":1}]}}}
            """;
        var conversation = await Client(Answer(HttpStatusCode.OK, body)).GetConversationAsync("c1", null, CancellationToken.None);

        Assert.NotNull(conversation);
        Assert.Equal("Streams", conversation.Title);
        var answer = conversation.Messages[1];
        Assert.Equal(MessageStatus.Interrupted, answer.Status);
        Assert.Equal(2, answer.Turn);
        Assert.Equal(41, answer.Seq);
        Assert.Equal(7, answer.Usage!.TotalTokens);
        Assert.True(answer.Error!.Retryable);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 8, 0, 5, TimeSpan.Zero), answer.UpdatedAt);
    }

    [Fact]
    public async Task Request_ClosedPort_IsConnectionError()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var endpoint = new Uri($"http://127.0.0.1:{port}/graphql");
        using var http = new HttpClient();
        var client = new ChatApiClient(http, endpoint, GraphQLAuth.ApiKey("k"));

        var error = await Assert.ThrowsAsync<ChatConnectionException>(() => client.ListConversationsAsync(null, null, CancellationToken.None));

        Assert.Equal(endpoint, error.Endpoint);
        Assert.Equal(ChatErrorKind.Connection, error.Kind);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_NoAnswerWithinTimeout_IsConnectionErrorOnTheInjectedClock()
    {
        var clock = new ManualTimeProvider();
        var started = new TaskCompletionSource();
        var handler = new StubHandler(async (_, _, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        var call = Client(handler, time: clock).ListConversationsAsync(null, null, CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(5));
        var error = await Assert.ThrowsAsync<ChatConnectionException>(() => call);
        Assert.Contains("within 5 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_CancelledByCaller_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        var handler = new StubHandler(async (_, _, ct) =>
        {
            await cts.CancelAsync();
            ct.ThrowIfCancellationRequested();
            throw new InvalidOperationException("unreachable");
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client(handler).ListConversationsAsync(null, null, cts.Token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("-leading")]
    public async Task Operations_InvalidIds_ThrowArgumentExceptionWithoutSending(string id)
    {
        var handler = Answer(HttpStatusCode.OK, SendResult);
        var client = Client(handler);

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetConversationAsync(id, null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => client.StopGenerationAsync(new StopGenerationInput { ConversationId = "c1", MessageId = id }, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SendMessageAsync(new SendMessageInput { Text = "x", ClientRequestId = id }, CancellationToken.None));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task StopAndRegenerate_Success_ParseResults()
    {
        var stop = await Client(Answer(HttpStatusCode.OK, """{"data":{"stopGeneration":{"conversationId":"c1","messageId":"a1","status":"CANCELLED","accepted":true}}}"""))
            .StopGenerationAsync(new StopGenerationInput { ConversationId = "c1", MessageId = "a1" }, CancellationToken.None);
        var regenerated = await Client(Answer(HttpStatusCode.OK, SendResult.Replace("sendMessage", "regenerate", StringComparison.Ordinal)))
            .RegenerateAsync(new RegenerateInput { ConversationId = "c1", ClientRequestId = "r2" }, CancellationToken.None);

        Assert.True(stop.Accepted);
        Assert.Equal(MessageStatus.Cancelled, stop.Status);
        Assert.Equal("a1", regenerated.AssistantMessageId);
    }
}
