using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Local.Lambda;

namespace AppSyncChat.Local.Tests.Lambda;

/// <summary>
/// The Worker executable as out-of-process execution environments (<see cref="ExternalFunctionPool"/>): a process
/// killed with SIGKILL mid-invocation fails that invocation at once (<c>Runtime.ExitError</c>, as Lambda reports a
/// crashed runtime) and is replaced by a new process that serves the next invocation.
/// </summary>
public sealed class ExternalFunctionPoolTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task KillEnvironmentsRunning_SigkillsTheProcessOfThatEvent_ItsInvocationFailsAndANewProcessServesTheNext()
    {
        // A "DynamoDB" that accepts connections and never answers: the Worker's claim hangs mid-invocation.
        using var silentStore = new TcpListener(IPAddress.Loopback, 0);
        silentStore.Start();
        var held = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                held.Add(await silentStore.AcceptTcpClientAsync());
            }
        });

        var dll = Path.Combine(AppContext.BaseDirectory, "bootstrap-worker.dll");
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SettingNames.Region] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            [SettingNames.LogFormat] = "text",
            [SettingNames.TableName] = "appsyncchat-pool",
            [SettingNames.DefaultModelId] = "local.model",
            [SettingNames.DynamoDbEndpoint] = $"http://127.0.0.1:{((IPEndPoint)silentStore.LocalEndpoint).Port}/",
            [SettingNames.BedrockEndpoint] = "http://127.0.0.1:9/",
            [SettingNames.EventsHttpEndpoint] = "http://127.0.0.1:9/event",
        };
        await using var server = await LambdaRuntimeServer.StartAsync(new LambdaFunctionOptions { FunctionName = "appsyncchat-pool", Timeout = TimeSpan.FromSeconds(60) }, dedicatedRuntimeApis: 2);
        await using var pool = ExternalFunctionPool.Start(server, new ExternalFunctionPoolOptions { Executable = "dotnet", Arguments = [dll], Environments = 2, Settings = settings });

        var hanging = server.InvokeAsync(Encoding.UTF8.GetBytes(SqsEvent("rec-1", TurnRequest("m-kill-me"))));
        using (var timeout = new CancellationTokenSource(Wait))
        {
            while (!server.InFlight().Any(i => Encoding.UTF8.GetString(i.Payload).Contains("m-kill-me", StringComparison.Ordinal)))
            {
                await Task.Delay(20, timeout.Token);
            }
        }

        var before = pool.ProcessIds;
        Assert.Empty(pool.KillEnvironmentsRunning("no-such-message"));
        var killed = Assert.Single(pool.KillEnvironmentsRunning("m-kill-me"));

        Assert.Contains(killed.ProcessId, before);
        var result = await hanging.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(result.IsError);
        Assert.Equal("Runtime.ExitError", result.ErrorType);
        Assert.Contains("signal: killed", Encoding.UTF8.GetString(result.Payload.Span), StringComparison.Ordinal);

        // A replacement process takes the next invocations: a poison record is answered as a batch item failure.
        var next = await server.InvokeAsync(Encoding.UTF8.GetBytes(SqsEvent("rec-2", "not json"))).WaitAsync(Wait);
        Assert.False(next.IsError, Encoding.UTF8.GetString(next.Payload.Span));
        Assert.Contains("rec-2", Encoding.UTF8.GetString(next.Payload.Span), StringComparison.Ordinal);
        Assert.Equal(1, pool.Restarts);
        Assert.DoesNotContain(killed.ProcessId, pool.ProcessIds);
        silentStore.Stop();
        held.ForEach(c => c.Dispose());
    }

    private static string TurnRequest(string messageId) =>
        "{\"v\":1,\"requestId\":\"r-1\",\"conversationId\":\"c-1\",\"userMessageId\":\"u-1\",\"assistantMessageId\":\"" + messageId + "\",\"turn\":1}";

    private static string SqsEvent(string id, string body) =>
        "{\"Records\":[{\"messageId\":" + JsonSerializer.Serialize(id) + ",\"receiptHandle\":\"rh\",\"body\":" + JsonSerializer.Serialize(body)
        + ",\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"messageAttributes\":{},\"md5OfBody\":\"\",\"eventSource\":\"aws:sqs\","
        + "\"eventSourceARN\":\"arn:aws:sqs:us-east-1:123456789012:q\",\"awsRegion\":\"us-east-1\"}]}";
}
