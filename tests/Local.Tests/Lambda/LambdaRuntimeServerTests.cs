using System.Globalization;
using System.Text;
using AppSyncChat.Local.Lambda;

namespace AppSyncChat.Local.Tests.Lambda;

/// <summary>The Runtime API emulator driven by a raw HTTP "runtime", independent of our runtime loop.</summary>
public sealed class LambdaRuntimeServerTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task InvokeAsync_RuntimeTakesTheEventButNeverAnswers_FailsAtTheFunctionTimeout()
    {
        await using var server = await LambdaRuntimeServer.StartAsync(new LambdaFunctionOptions { FunctionName = "silent", Timeout = TimeSpan.FromMilliseconds(500) });
        using var http = new HttpClient { BaseAddress = new Uri($"http://{server.RuntimeApi}/"), Timeout = TestTimeout };

        var invoke = server.InvokeAsync(Encoding.UTF8.GetBytes("""{"n":1}"""));
        using var next = await http.GetAsync("2018-06-01/runtime/invocation/next");
        var deadlineMs = long.Parse(next.Headers.GetValues("Lambda-Runtime-Deadline-Ms").Single(), CultureInfo.InvariantCulture);
        var requestId = next.Headers.GetValues("Lambda-Runtime-Aws-Request-Id").Single();
        var result = await invoke.WaitAsync(TestTimeout);

        Assert.Equal("""{"n":1}""", await next.Content.ReadAsStringAsync());
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:silent", next.Headers.GetValues("Lambda-Runtime-Invoked-Function-Arn").Single());
        Assert.StartsWith("Root=1-", next.Headers.GetValues("Lambda-Runtime-Trace-Id").Single(), StringComparison.Ordinal);
        Assert.InRange(deadlineMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), -5_000, 500);
        Assert.True(result.IsError);
        Assert.Equal("Sandbox.Timedout", result.ErrorType);
        Assert.Equal(requestId, result.RequestId);

        // A late answer is refused: the invocation is over.
        using var late = await http.PostAsync($"2018-06-01/runtime/invocation/{requestId}/response", new StringContent("{}"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, late.StatusCode);
    }

    [Fact]
    public async Task InvokeAsync_RuntimeAnswers_ReturnsThePayloadAndAccepts()
    {
        await using var server = await LambdaRuntimeServer.StartAsync(new LambdaFunctionOptions { FunctionName = "raw" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://{server.RuntimeApi}/"), Timeout = TestTimeout };

        var invoke = server.InvokeAsync("{}"u8.ToArray());
        using var next = await http.GetAsync("2018-06-01/runtime/invocation/next");
        var requestId = next.Headers.GetValues("Lambda-Runtime-Aws-Request-Id").Single();
        using var posted = await http.PostAsync($"2018-06-01/runtime/invocation/{requestId}/response", new StringContent("""{"ok":true}"""));
        var result = await invoke.WaitAsync(TestTimeout);

        Assert.Equal(System.Net.HttpStatusCode.Accepted, posted.StatusCode);
        Assert.False(result.IsError);
        Assert.Equal("""{"ok":true}""", Encoding.UTF8.GetString(result.Payload.Span));
    }

    [Fact]
    public async Task InvokeAsync_RuntimeReportsInitError_TheWaitingInvocationGetsIt()
    {
        await using var server = await LambdaRuntimeServer.StartAsync(new LambdaFunctionOptions { FunctionName = "broken" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://{server.RuntimeApi}/"), Timeout = TestTimeout };

        var invoke = server.InvokeAsync("{}"u8.ToArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, "2018-06-01/runtime/init/error")
        {
            Content = new StringContent("""{"errorMessage":"no table configured","errorType":"InvalidOperationException"}"""),
        };
        request.Headers.Add("Lambda-Runtime-Function-Error-Type", "Runtime.InitError");
        using var posted = await http.SendAsync(request);
        var result = await invoke.WaitAsync(TestTimeout);

        Assert.Equal(System.Net.HttpStatusCode.Accepted, posted.StatusCode);
        Assert.True(result.IsError);
        Assert.Equal("Runtime.InitError", result.ErrorType);
        Assert.Contains("no table configured", Encoding.UTF8.GetString(result.Payload.Span), StringComparison.Ordinal);
    }
}
