using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Testing;

namespace AppSyncChat.Aws.Tests.Lambda;

/// <summary>The runtime loop against a small Runtime API server on loopback.</summary>
public sealed class LambdaRuntimeLoopTests : IAsyncLifetime
{
    private const string Trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    private RuntimeApiTestServer _server = null!;
    private readonly CancellationTokenSource _stop = new();

    public async Task InitializeAsync() => _server = await RuntimeApiTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _server.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task RunAsync_HandlerReturns_PostsTheResponseWithInvocationDetailsSeen()
    {
        LambdaInvocation? seen = null;
        string? traceSeen = null;
        var loop = StartLoop((invocation, _) =>
        {
            seen = invocation;
            traceSeen = LambdaTraceContext.CurrentTraceId;
            var text = Encoding.UTF8.GetString(invocation.Payload.Span);
            return Task.FromResult<ReadOnlyMemory<byte>>(Encoding.UTF8.GetBytes($$"""{"echo":{{text}}}"""));
        });
        var deadline = DateTimeOffset.UtcNow.AddMinutes(5);

        var result = await _server.Enqueue("""{"x":1}""", deadline, Trace, "req-ok").WaitAsync(TestTimeout);

        Assert.Equal("response", result.Kind);
        Assert.Equal("""{"echo":{"x":1}}""", result.Body);
        Assert.Equal("req-ok", seen!.RequestId);
        Assert.Equal(deadline.ToUnixTimeMilliseconds(), seen.Deadline.ToUnixTimeMilliseconds());
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:test", seen.InvokedFunctionArn);
        Assert.Equal(Trace, seen.TraceId);
        Assert.Equal(Trace, traceSeen);
        Assert.False(loop.IsCompleted);
    }

    [Fact]
    public async Task RunAsync_HandlerThrows_PostsStandardErrorAndServesTheNextInvocation()
    {
        var calls = 0;
        _ = StartLoop((_, _) => Interlocked.Increment(ref calls) == 1
            ? throw new InvalidOperationException("boom")
            : Task.FromResult<ReadOnlyMemory<byte>>("\"fine\""u8.ToArray()));

        var failed = await _server.Enqueue("{}", DateTimeOffset.UtcNow.AddMinutes(5)).WaitAsync(TestTimeout);
        var next = await _server.Enqueue("{}", DateTimeOffset.UtcNow.AddMinutes(5)).WaitAsync(TestTimeout);

        Assert.Equal("error", failed.Kind);
        Assert.Equal("Unhandled", failed.ErrorTypeHeader);
        Assert.Equal("application/vnd.aws.lambda.error+json", failed.ContentType);
        var error = JsonSerializer.Deserialize(failed.Body, LambdaRuntimeJsonContext.Default.LambdaFunctionError)!;
        Assert.Equal("boom", error.ErrorMessage);
        Assert.Equal(nameof(InvalidOperationException), error.ErrorType);
        Assert.NotNull(error.StackTrace);
        Assert.Equal("response", next.Kind);
        Assert.Equal("\"fine\"", next.Body);
    }

    [Fact]
    public async Task RunAsync_DeadlineAlreadyPassed_HandlerTokenIsCancelledAndTimeoutReported()
    {
        var tokenWasCancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = StartLoop(async (_, ct) =>
        {
            tokenWasCancelled.TrySetResult(ct.IsCancellationRequested);
            await Task.Delay(Timeout.Infinite, ct);
            return ReadOnlyMemory<byte>.Empty;
        });

        var result = await _server.Enqueue("{}", DateTimeOffset.UtcNow.AddSeconds(-1)).WaitAsync(TestTimeout);

        Assert.True(await tokenWasCancelled.Task);
        Assert.Equal("error", result.Kind);
        Assert.Equal(LambdaRuntimeNames.ErrorTypes.Timeout, result.ErrorTypeHeader);
        Assert.Equal(LambdaRuntimeNames.ErrorTypes.Timeout, JsonSerializer.Deserialize(result.Body, LambdaRuntimeJsonContext.Default.LambdaFunctionError)!.ErrorType);
    }

    [Fact]
    public async Task RunAsync_DeadlinePassesWhileHandlerIgnoresToken_ReportsTimeoutWithoutWaitingForHandler()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken handlerToken = default;
        _ = StartLoop(async (_, ct) =>
        {
            handlerToken = ct;
            await release.Task; // ignores its token, as a badly written handler would
            return ReadOnlyMemory<byte>.Empty;
        });

        var result = await _server.Enqueue("{}", DateTimeOffset.UtcNow.AddMilliseconds(300)).WaitAsync(TestTimeout);
        release.SetResult();

        Assert.Equal("error", result.Kind);
        Assert.Equal(LambdaRuntimeNames.ErrorTypes.Timeout, result.ErrorTypeHeader);
        Assert.True(handlerToken.IsCancellationRequested);
    }

    [Fact]
    public async Task RunAsync_ClockReachesTheDeadline_HandlerTokenCancelledThenTimeoutReported()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero));
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken handlerToken = default;
        _ = LambdaRuntimeLoop.RunAsync(Settings(_server.HostAndPort), _ => Task.FromResult<LambdaHandler>(async (_, ct) =>
        {
            handlerToken = ct;
            handlerStarted.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return ReadOnlyMemory<byte>.Empty;
        }), _stop.Token, new LambdaRuntimeOptions { TimeProvider = clock });

        var result = _server.Enqueue("{}", clock.GetUtcNow().AddMinutes(15));
        await handlerStarted.Task.WaitAsync(TestTimeout);
        clock.Advance(TimeSpan.FromMinutes(14));
        Assert.False(handlerToken.IsCancellationRequested);
        Assert.False(result.IsCompleted);

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.True(handlerToken.IsCancellationRequested);
        var posted = await result.WaitAsync(TestTimeout);
        Assert.Equal("error", posted.Kind);
        Assert.Equal(LambdaRuntimeNames.ErrorTypes.Timeout, posted.ErrorTypeHeader);
    }

    [Fact]
    public async Task RunAsync_InitialisationFails_PostsInitErrorAndThrows()
    {
        var settings = Settings(_server.HostAndPort);

        var thrown = await Assert.ThrowsAsync<LambdaInitializationException>(() =>
            LambdaRuntimeLoop.RunAsync(settings, _ => throw new InvalidOperationException("missing table name"), _stop.Token).WaitAsync(TestTimeout));

        var posted = await _server.InitError.WaitAsync(TestTimeout);
        Assert.IsType<InvalidOperationException>(thrown.InnerException);
        Assert.Equal(LambdaRuntimeNames.ErrorTypes.InitFailure, posted.ErrorTypeHeader);
        var error = JsonSerializer.Deserialize(posted.Body, LambdaRuntimeJsonContext.Default.LambdaFunctionError)!;
        Assert.Equal("missing table name", error.ErrorMessage);
        Assert.Equal(nameof(InvalidOperationException), error.ErrorType);
    }

    [Fact]
    public async Task RunAsync_NextAnswers500_ExitsPromptlyWithRuntimeException()
    {
        var loop = StartLoop((_, _) => Task.FromResult(ReadOnlyMemory<byte>.Empty));
        await _server.NextCalled.WaitAsync(TestTimeout);

        _server.FailNextWithContainerError();

        var error = await Assert.ThrowsAsync<LambdaRuntimeException>(() => loop.WaitAsync(TestTimeout));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, error.StatusCode);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileWaitingForNext_ReturnsWithoutError()
    {
        var loop = StartLoop((_, _) => Task.FromResult(ReadOnlyMemory<byte>.Empty));
        await _server.NextCalled.WaitAsync(TestTimeout);

        await _stop.CancelAsync();

        await loop.WaitAsync(TestTimeout);
        Assert.True(loop.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task RunAsync_RuntimeApiSettingMissing_ThrowsNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<LambdaRuntimeException>(() =>
            LambdaRuntimeLoop.RunAsync(_ => null, _ => Task.FromResult<LambdaHandler>((_, _) => Task.FromResult(ReadOnlyMemory<byte>.Empty)), _stop.Token));

        Assert.Contains("AWS_LAMBDA_RUNTIME_API", error.Message, StringComparison.Ordinal);
    }

    private Task StartLoop(LambdaHandler handler) =>
        LambdaRuntimeLoop.RunAsync(Settings(_server.HostAndPort), _ => Task.FromResult(handler), _stop.Token);

    private static Func<string, string?> Settings(string runtimeApi) =>
        name => name == LambdaRuntimeNames.RuntimeApiSetting ? runtimeApi : null;
}
