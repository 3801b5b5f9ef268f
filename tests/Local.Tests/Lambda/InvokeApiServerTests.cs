using System.Net;
using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Local.Lambda;
using AppSyncChat.Testing;

namespace AppSyncChat.Local.Tests.Lambda;

/// <summary>A test function hosted through the Runtime API server and invoked over the Lambda Invoke API.</summary>
public sealed class InvokeApiServerTests : IAsyncLifetime
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);
    private readonly HttpClient _http = new() { Timeout = TestTimeout };
    private readonly TaskCompletionSource<bool> _deadlineTokenCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HostedFunction _function = null!;
    private InvokeApiServer _invokeApi = null!;
    private TestFunction _code = null!;

    public async Task InitializeAsync()
    {
        _code = new TestFunction(settings => async (invocation, ct) =>
        {
            using var input = JsonDocument.Parse(invocation.Payload);
            var mode = input.RootElement.TryGetProperty("mode", out var m) ? m.GetString() : "echo";
            switch (mode)
            {
                case "throw":
                    throw new InvalidOperationException("the resolver failed");
                case "hang":
                    try
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }
                    catch (OperationCanceledException)
                    {
                        _deadlineTokenCancelled.TrySetResult(true);
                        throw;
                    }

                    return ReadOnlyMemory<byte>.Empty;
                default:
                    var answer = new Dictionary<string, string?>
                    {
                        ["greeting"] = settings("GREETING"),
                        ["function"] = settings("AWS_LAMBDA_FUNCTION_NAME"),
                        ["region"] = settings("AWS_REGION"),
                        ["requestId"] = invocation.RequestId,
                        ["trace"] = invocation.TraceId,
                        ["input"] = Encoding.UTF8.GetString(invocation.Payload.Span),
                    };
                    return JsonSerializer.SerializeToUtf8Bytes(answer, TestJsonContext.Default.DictionaryStringString);
            }
        });
        _function = await HostedFunction.StartAsync(new LambdaFunctionOptions { FunctionName = "echo", Timeout = TimeSpan.FromSeconds(1) }, _code.RunAsync, new FunctionHostOptions
        {
            Instances = 2,
            Settings = new Dictionary<string, string> { ["GREETING"] = "hello from settings", ["AWS_LAMBDA_RUNTIME_API"] = "must-not-win:1" },
        });
        _invokeApi = await InvokeApiServer.StartAsync(0, [_function.Server]);
    }

    public async Task DisposeAsync()
    {
        await _invokeApi.DisposeAsync();
        await _function.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task Invoke_RequestResponse_ReturnsTheFunctionResult()
    {
        using var response = await InvokeAsync("echo", """{"hello":"world"}""", ("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Amz-Function-Error"));
        Assert.Equal("$LATEST", response.Headers.GetValues("X-Amz-Executed-Version").Single());
        var body = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), TestJsonContext.Default.DictionaryStringString)!;
        Assert.Equal("hello from settings", body["greeting"]);
        Assert.Equal("echo", body["function"]);
        Assert.Equal("us-east-1", body["region"]);
        Assert.Equal("""{"hello":"world"}""", body["input"]);
        Assert.Equal(response.Headers.GetValues("x-amzn-RequestId").Single(), body["requestId"]);
        Assert.StartsWith("Root=1-5759e988-bd862e3fe1be46a994272793", body["trace"], StringComparison.Ordinal);
        Assert.Equal(2, _code.Initialisations); // one composition root per instance, built once
    }

    [Fact]
    public async Task Invoke_ByFullArnWithLatestQualifier_ReachesTheFunction()
    {
        using var response = await InvokeAsync(Uri.EscapeDataString("arn:aws:lambda:us-east-1:123456789012:function:echo"), "{}", query: "?Qualifier=$LATEST");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("hello from settings", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_FunctionThrows_Returns200WithUnhandledFunctionError()
    {
        using var response = await InvokeAsync("echo", """{"mode":"throw"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var error = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), LambdaRuntimeJsonContext.Default.LambdaFunctionError)!;
        Assert.Equal("the resolver failed", error.ErrorMessage);
        Assert.Equal(nameof(InvalidOperationException), error.ErrorType);
    }

    [Fact]
    public async Task Invoke_HandlerRunsPastTheFunctionTimeout_TokenCancelledAndTimeoutReturned()
    {
        var started = DateTime.UtcNow;
        using var response = await InvokeAsync("echo", """{"mode":"hang"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", response.Headers.GetValues("X-Amz-Function-Error").Single());
        var error = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), LambdaRuntimeJsonContext.Default.LambdaFunctionError)!;
        Assert.Equal("Sandbox.Timedout", error.ErrorType);
        Assert.True(await _deadlineTokenCancelled.Task.WaitAsync(TestTimeout));
        var elapsed = DateTime.UtcNow - started;
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Invoke_UnknownFunction_Returns404ResourceNotFound()
    {
        using var response = await InvokeAsync("nope", "{}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ResourceNotFoundException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task Invoke_BodyIsNotJson_Returns400InvalidRequestContent()
    {
        using var response = await InvokeAsync("echo", "not json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("InvalidRequestContentException", response.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task Invoke_EventInvocationType_Returns202AndRunsTheFunction()
    {
        using var response = await InvokeAsync("echo", """{"async":true}""", ("X-Amz-Invocation-Type", "Event"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private Task<HttpResponseMessage> InvokeAsync(string function, string body, params (string Name, string Value)[] headers) =>
        InvokeAsync(function, body, "", headers);

    [Fact]
    public async Task Invoke_FirstInitialisationFails_ErrorReturnedThenTheRestartedInstanceServes()
    {
        var attempts = 0;
        var flaky = new TestFunction(_ => Interlocked.Increment(ref attempts) == 1
            ? throw new InvalidOperationException("APPSYNCCHAT_TABLE_NAME is missing")
            : (_, _) => Task.FromResult<ReadOnlyMemory<byte>>("\"ready\""u8.ToArray()));
        // The host's restart delay runs on a manual clock (the server keeps real time for deadlines): with a real
        // one, a loaded machine could take longer than the delay to deliver the first invocation, which the
        // restarted (healthy) instance would then serve.
        var clock = new ManualTimeProvider();
        await using var server = await LambdaRuntimeServer.StartAsync(new LambdaFunctionOptions { FunctionName = "flaky" });
        await using var host = FunctionHost.Start(server, flaky.RunAsync, new FunctionHostOptions { Instances = 1, RestartDelay = TimeSpan.FromSeconds(1) }, clock);
        _invokeApi.Register(server);

        using var first = await InvokeAsync("flaky", "{}");
        var firstBody = await first.Content.ReadAsStringAsync();
        await clock.AdvanceUntilAsync(() => server.WaitingRuntimes > 0, TimeSpan.FromMilliseconds(250));
        using var second = await InvokeAsync("flaky", "{}");

        Assert.Equal("Unhandled", first.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Contains("APPSYNCCHAT_TABLE_NAME is missing", firstBody, StringComparison.Ordinal);
        Assert.False(second.Headers.Contains("X-Amz-Function-Error"), await second.Content.ReadAsStringAsync());
        Assert.Equal("\"ready\"", await second.Content.ReadAsStringAsync());
        Assert.Equal(1, host.Failures);
        Assert.IsType<LambdaInitializationException>(host.LastFailure);
    }

    private async Task<HttpResponseMessage> InvokeAsync(string function, string body, string query, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_invokeApi.Endpoint, $"/2015-03-31/functions/{function}/invocations{query}"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _http.SendAsync(request);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class TestJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
