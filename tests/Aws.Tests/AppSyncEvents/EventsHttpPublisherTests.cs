using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Testing;

namespace AppSyncChat.Aws.Tests.AppSyncEvents;

public sealed class EventsHttpPublisherTests
{
    private static readonly Uri Endpoint = new("https://abcdefghijklmnopqrstuvwxyz.appsync-api.us-east-1.amazonaws.com/event");
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task PublishAsync_ApiKey_PostsChannelAndEventStringsWithKeyHeader()
    {
        var handler = new ScriptedHandler(_ => Ok("""{"successful":[{"identifier":"a","index":0},{"identifier":"b","index":1}],"failed":[]}"""));
        using var publisher = NewPublisher(handler, EventsAuthorization.ApiKey("da2-test"));

        var result = await publisher.PublishAsync("/chat/c1", ["{\"seq\":0}", "\"text\""], CancellationToken.None);

        Assert.True(result.AllSucceeded);
        Assert.Equal([0, 1], result.Successful.Select(s => s.Index));
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(Endpoint, request.Uri);
        Assert.Equal("da2-test", request.Headers["x-api-key"]);
        Assert.Equal("application/json", request.Headers["Content-Type"]);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("/chat/c1", body.RootElement.GetProperty("channel").GetString());
        Assert.Equal(["{\"seq\":0}", "\"text\""], body.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task PublishAsync_Iam_SignsWithAppSyncServiceAtTheInjectedTime()
    {
        var handler = new ScriptedHandler(_ => Ok("""{"successful":[{"identifier":"a","index":0}],"failed":[]}"""));
        var iam = EventsAuthorization.Iam(new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "us-east-1");
        using var publisher = NewPublisher(handler, iam);

        await publisher.PublishAsync("/chat/c1", ["{}"], CancellationToken.None);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("20261121T080000Z", request.Headers["X-Amz-Date"]);
        var authorization = request.Headers["Authorization"];
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261121/us-east-1/appsync/aws4_request", authorization, StringComparison.Ordinal);
        Assert.Contains("content-type", authorization, StringComparison.Ordinal);
        Assert.Contains("host", authorization, StringComparison.Ordinal);
        Assert.False(request.Headers.ContainsKey("x-api-key"));
    }

    [Fact]
    public async Task PublishAsync_SixEvents_ThrowsTypedErrorWithoutSending()
    {
        var handler = new ScriptedHandler(_ => Ok("{}"));
        using var publisher = NewPublisher(handler, EventsAuthorization.ApiKey("k"));

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => publisher.PublishAsync("/chat/c1", Enumerable.Repeat("1", 6).ToList(), CancellationToken.None));

        Assert.Equal(EventsErrorSource.Validation, ex.ErrorSource);
        Assert.Equal(EventsErrors.ClientCodes.TooManyEvents, ex.ErrorCode);
        Assert.False(ex.IsRetryable);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task PublishAsync_EventOver240KB_ThrowsTypedErrorWithoutSending()
    {
        var handler = new ScriptedHandler(_ => Ok("{}"));
        using var publisher = NewPublisher(handler, EventsAuthorization.ApiKey("k"));
        var big = "\"" + new string('x', (240 * 1024) - 1) + "\""; // 240 KB + 1 byte

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => publisher.PublishAsync("/chat/c1", [big], CancellationToken.None));

        Assert.Equal(EventsErrors.ClientCodes.EventTooLarge, ex.ErrorCode);
        Assert.Empty(handler.Requests);
        var exactlyAtLimit = "\"" + new string('x', (240 * 1024) - 2) + "\"";
        await publisher.PublishAsync("/chat/c1", [exactlyAtLimit], CancellationToken.None);
        Assert.Single(handler.Requests);
    }

    [Theory]
    [InlineData("/chat/*")]
    [InlineData("/chat/-bad")]
    [InlineData("/a/b/c/d/e/f")]
    [InlineData("")]
    public async Task PublishAsync_InvalidChannel_ThrowsInvalidChannel(string channel)
    {
        var handler = new ScriptedHandler(_ => Ok("{}"));
        using var publisher = NewPublisher(handler, EventsAuthorization.ApiKey("k"));

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => publisher.PublishAsync(channel, ["1"], CancellationToken.None));

        Assert.Equal(EventsErrors.ClientCodes.InvalidChannel, ex.ErrorCode);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task PublishAsync_PartialFailure_SurfacesFailedEvents()
    {
        var handler = new ScriptedHandler(_ => Ok("""{"successful":[{"identifier":"a","index":0}],"failed":[{"identifier":"b","index":1,"code":400,"message":"handler rejected"}]}"""));
        using var publisher = NewPublisher(handler, EventsAuthorization.ApiKey("k"));

        var result = await publisher.PublishAsync("/chat/c1", ["1", "2"], CancellationToken.None);

        Assert.False(result.AllSucceeded);
        var failed = Assert.Single(result.Failed);
        Assert.Equal(new FailedEvent("b", 1, 400, "handler rejected"), failed);
        Assert.Single(handler.Requests); // a per-event failure is an answer, not a retry
    }

    [Fact]
    public async Task PublishAsync_Unauthorized_MapsEnvelopeAndDoesNotRetry()
    {
        var handler = new ScriptedHandler(_ => Json(HttpStatusCode.Unauthorized, """{"errors":[{"errorType":"UnauthorizedException","message":"You are not authorized"}]}""", "req-123"));
        using var publisher = NewPublisher(handler, EventsAuthorization.ApiKey("k"));

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => publisher.PublishAsync("/chat/c1", ["1"], CancellationToken.None));

        Assert.Equal(EventsErrorSource.Http, ex.ErrorSource);
        Assert.Equal("UnauthorizedException", ex.ErrorCode);
        Assert.Equal(401, ex.StatusCode);
        Assert.Equal("req-123", ex.RequestId);
        Assert.False(ex.IsRetryable);
        Assert.Equal("You are not authorized", Assert.Single(ex.Errors).Message);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task PublishAsync_ThrottledThenServerErrorThenOk_RetriesInOrderWithGrowingCappedDelays()
    {
        var answers = new Queue<Func<HttpResponseMessage>>(
        [
            () => Json(HttpStatusCode.TooManyRequests, """{"errors":[{"errorType":"TooManyRequestsException","message":"slow down"}]}"""),
            () => Json(HttpStatusCode.ServiceUnavailable, "{}"),
            () => Ok("""{"successful":[{"identifier":"a","index":0}],"failed":[]}"""),
        ]);
        var handler = new ScriptedHandler(_ => answers.Dequeue()());
        var clock = new ManualTimeProvider(Start) { AutoAdvance = true };
        using var publisher = new EventsHttpPublisher(new EventsHttpPublisherOptions
        {
            Endpoint = Endpoint,
            Authorization = EventsAuthorization.ApiKey("k"),
            TimeProvider = clock,
            AttemptTimeout = Timeout.InfiniteTimeSpan,
            BaseDelay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(1),
        }, handler);

        var result = await publisher.PublishAsync("/chat/c1", ["{\"seq\":7}"], CancellationToken.None);

        Assert.True(result.AllSucceeded);
        Assert.Equal(3, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal(handler.Requests[0].Body, r.Body)); // the same publish, resent
        Assert.Equal(2, clock.Delays.Count);
        Assert.All(clock.Delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task PublishAsync_PersistentServerErrors_GivesUpAfterMaxAttemptsWithRetryableError()
    {
        var handler = new ScriptedHandler(_ => Json(HttpStatusCode.InternalServerError, """{"errors":[{"errorType":"InternalFailure","message":"boom"}]}"""));
        var clock = new ManualTimeProvider(Start) { AutoAdvance = true };
        using var publisher = new EventsHttpPublisher(new EventsHttpPublisherOptions
        {
            Endpoint = Endpoint,
            Authorization = EventsAuthorization.ApiKey("k"),
            TimeProvider = clock,
            AttemptTimeout = Timeout.InfiniteTimeSpan,
            MaxAttempts = 3,
        }, handler);

        var ex = await Assert.ThrowsAsync<AppSyncEventsException>(() => publisher.PublishAsync("/chat/c1", ["1"], CancellationToken.None));

        Assert.Equal(500, ex.StatusCode);
        Assert.True(ex.IsRetryable);
        Assert.Equal("InternalFailure", ex.ErrorCode);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task PublishAsync_TransportErrorThenOk_Retries()
    {
        var calls = 0;
        var handler = new ScriptedHandler(_ => ++calls == 1
            ? throw new HttpRequestException("connection reset")
            : Ok("""{"successful":[{"identifier":"a","index":0}],"failed":[]}"""));
        using var publisher = new EventsHttpPublisher(new EventsHttpPublisherOptions
        {
            Endpoint = Endpoint,
            Authorization = EventsAuthorization.ApiKey("k"),
            TimeProvider = new ManualTimeProvider(Start) { AutoAdvance = true },
            AttemptTimeout = Timeout.InfiniteTimeSpan,
        }, handler);

        var result = await publisher.PublishAsync("/chat/c1", ["1"], CancellationToken.None);

        Assert.True(result.AllSucceeded);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task PublishAsync_SequentialCallsWithRetries_KeepPublishOrder()
    {
        // Every first attempt of a publish is throttled; each call returns only once settled, so the
        // accepted order on the server is the call order.
        var accepted = new List<string>();
        var seen = new HashSet<string>();
        var handler = new ScriptedHandler(r =>
        {
            using var body = JsonDocument.Parse(r.Body);
            var e = body.RootElement.GetProperty("events")[0].GetString()!;
            if (seen.Add(e))
            {
                return Json(HttpStatusCode.TooManyRequests, "{}");
            }

            accepted.Add(e);
            return Ok("""{"successful":[{"identifier":"a","index":0}],"failed":[]}""");
        });
        using var publisher = new EventsHttpPublisher(new EventsHttpPublisherOptions
        {
            Endpoint = Endpoint,
            Authorization = EventsAuthorization.ApiKey("k"),
            TimeProvider = new ManualTimeProvider(Start) { AutoAdvance = true },
            AttemptTimeout = Timeout.InfiniteTimeSpan,
        }, handler);

        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync("/chat/c1", [$"{{\"seq\":{i}}}"], CancellationToken.None);
        }

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{{\"seq\":{i}}}"), accepted);
    }

    [Fact]
    public async Task PublishAsync_Cancelled_ThrowsOperationCanceled()
    {
        var handler = new ScriptedHandler(_ => Ok("{}"));
        using var publisher = NewPublisher(handler, EventsAuthorization.ApiKey("k"));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publisher.PublishAsync("/chat/c1", ["1"], cts.Token));
    }

    private static EventsHttpPublisher NewPublisher(ScriptedHandler handler, EventsAuthorization auth) =>
        new(new EventsHttpPublisherOptions
        {
            Endpoint = Endpoint,
            Authorization = auth,
            TimeProvider = new ManualTimeProvider(Start),
            AttemptTimeout = Timeout.InfiniteTimeSpan,
            MaxAttempts = 1,
        }, handler);

    private static HttpResponseMessage Ok(string json) => Json(HttpStatusCode.OK, json);

    private static HttpResponseMessage Json(HttpStatusCode status, string json, string? requestId = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (requestId is not null)
        {
            response.Headers.Add("x-amzn-RequestId", requestId);
        }

        return response;
    }

    internal sealed record RecordedRequest(HttpMethod Method, Uri Uri, Dictionary<string, string> Headers, string Body);

    /// <summary>An in-memory transport: records each request and answers from a script (no network).</summary>
    internal sealed class ScriptedHandler(Func<RecordedRequest, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<RecordedRequest> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in request.Headers)
            {
                headers[name] = string.Join(",", values);
            }

            var body = string.Empty;
            if (request.Content is not null)
            {
                foreach (var (name, values) in request.Content.Headers)
                {
                    headers[name] = string.Join(",", values);
                }

                body = await request.Content.ReadAsStringAsync(cancellationToken);
            }

            var recorded = new RecordedRequest(request.Method, request.RequestUri!, headers, body);
            Requests.Add(recorded);
            return answer(recorded);
        }
    }
}
