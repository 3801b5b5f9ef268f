using System.Globalization;
using System.Text;
using System.Text.Json;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Local.Lambda;
using Xunit.Abstractions;

namespace AppSyncChat.Local.Tests.Lambda;

/// <summary>
/// The Api and Worker executables run out of process against the Local Runtime API server, as Lambda runs a custom
/// runtime: they start, poll, and answer invocations that need no other service (a validation error, poison
/// records, a payload that is not an SQS event).
/// </summary>
/// <remarks>
/// By default this runs the framework-dependent executables the build puts next to this test assembly.
/// <c>scripts/measure-function-startup.sh</c> runs the same tests against published packages
/// (<c>APPSYNCCHAT_FUNCTION_PACKAGES</c> = a folder with <c>api/bootstrap</c> and <c>worker/bootstrap</c>, as
/// <c>Cdk/build-functions.sh</c> writes them) and starts each one <c>APPSYNCCHAT_FUNCTION_STARTS</c> times to time
/// process start → first poll.
/// </remarks>
public sealed class ExternalFunctionProcessTests(ITestOutputHelper output)
{
    private const string PackagesVariable = "APPSYNCCHAT_FUNCTION_PACKAGES";
    private const string StartsVariable = "APPSYNCCHAT_FUNCTION_STARTS";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan InvokeTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Api_OutOfProcess_StartsPollsAndAnswersWithATypedError()
    {
        var settings = CommonSettings();
        settings[SettingNames.TableName] = "appsyncchat-external";
        settings[SettingNames.QueueUrl] = "http://127.0.0.1:9/000000000000/appsyncchat-external";
        settings[SettingNames.DynamoDbEndpoint] = "http://127.0.0.1:9/";
        settings[SettingNames.SqsEndpoint] = "http://127.0.0.1:9/";

        await RunAsync("api", "bootstrap-api", settings, async server =>
        {
            var result = await server.InvokeAsync(Encoding.UTF8.GetBytes(ApiEvent("""{"input":{"text":"","clientRequestId":"r1"}}""")))
                .WaitAsync(InvokeTimeout);

            Assert.True(result.IsError, "an empty message must be a function error");
            using var body = JsonDocument.Parse(result.Payload);
            Assert.Equal("ValidationError", body.RootElement.GetProperty("errorType").GetString());
            Assert.Contains("input.text must not be empty", body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Worker_OutOfProcess_StartsPollsAndAnswersBatchItemFailuresAndFunctionErrors()
    {
        var settings = CommonSettings();
        settings[SettingNames.TableName] = "appsyncchat-external";
        settings[SettingNames.DefaultModelId] = "local.model";
        settings[SettingNames.DynamoDbEndpoint] = "http://127.0.0.1:9/";
        settings[SettingNames.BedrockEndpoint] = "http://127.0.0.1:9/";
        settings[SettingNames.EventsHttpEndpoint] = "http://127.0.0.1:9/event";

        await RunAsync("worker", "bootstrap-worker", settings, async server =>
        {
            // Two records that can never succeed (not a ChatTurnRequest): both reported, nothing else touched.
            var poison = await server.InvokeAsync(Encoding.UTF8.GetBytes(SqsEvent(("m-1", "not json"), ("m-2", "{\"v\":1}"))))
                .WaitAsync(InvokeTimeout);
            Assert.False(poison.IsError, Encoding.UTF8.GetString(poison.Payload.Span));
            using (var body = JsonDocument.Parse(poison.Payload))
            {
                var failed = body.RootElement.GetProperty("batchItemFailures").EnumerateArray().Select(f => f.GetProperty("itemIdentifier").GetString()).Order(StringComparer.Ordinal);
                Assert.Equal(["m-1", "m-2"], failed);
            }

            // Not an SQS event: a function error (the whole batch would be retried).
            var wrong = await server.InvokeAsync("""{"hello":"world"}"""u8.ToArray()).WaitAsync(InvokeTimeout);
            Assert.True(wrong.IsError);
            using var error = JsonDocument.Parse(wrong.Payload);
            Assert.Equal("InvalidDataException", error.RootElement.GetProperty("errorType").GetString());
            Assert.Contains("not an SQS event", error.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        });
    }

    private async Task RunAsync(string package, string assembly, Dictionary<string, string> settings, Func<LambdaRuntimeServer, Task> answer)
    {
        var (executable, arguments, label) = Resolve(package, assembly);
        var starts = int.TryParse(Environment.GetEnvironmentVariable(StartsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;
        var times = new List<double>();
        for (var i = 0; i < starts; i++)
        {
            // A fresh Runtime API server and process per start: every start is a cold start of the executable.
            await using var server = await LambdaRuntimeServer.StartAsync(new LambdaFunctionOptions { FunctionName = "appsyncchat-" + package, Timeout = TimeSpan.FromSeconds(30) });
            await using var function = ExternalFunctionProcess.Start(server, executable, settings, arguments);
            var firstPoll = await function.WaitForFirstPollAsync(StartTimeout);
            times.Add(firstPoll.TotalMilliseconds);
            try
            {
                await answer(server);
            }
            catch (Exception) when (Report(function))
            {
                throw;
            }

            Assert.False(function.HasExited, $"the function exited after answering. Output:\n{function.Output}");
        }

        times.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{package} ({label}): process start -> first poll, {times.Count} starts: median {times[times.Count / 2]:0.0} ms, min {times[0]:0.0} ms, max {times[^1]:0.0} ms"));
    }

    private bool Report(ExternalFunctionProcess function)
    {
        output.WriteLine("function output:\n" + function.Output);
        return false;
    }

    private static (string Executable, IReadOnlyList<string> Arguments, string Label) Resolve(string package, string assembly)
    {
        var packages = Environment.GetEnvironmentVariable(PackagesVariable);
        if (!string.IsNullOrEmpty(packages))
        {
            var bootstrap = Path.Combine(packages, package, "bootstrap");
            Assert.True(File.Exists(bootstrap), $"{PackagesVariable} is set but {bootstrap} does not exist (run Cdk/build-functions.sh {packages}).");
            return (bootstrap, [], bootstrap);
        }

        // The build copies the referenced function projects (their dll, runtimeconfig and deps) next to this assembly.
        var dll = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: Local.Tests references the Api and Worker projects through Local.");
        return ("dotnet", [dll], "framework-dependent JIT build");
    }

    private static Dictionary<string, string> CommonSettings() => new(StringComparer.Ordinal)
    {
        [SettingNames.Region] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
        ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        [SettingNames.LogFormat] = "text",
    };

    private static string ApiEvent(string arguments) =>
        "{\"arguments\":" + arguments + ",\"identity\":null,\"source\":null,"
        + "\"request\":{\"headers\":{\"x-api-key\":\"da2-test\",\"host\":\"example.appsync-api.us-east-1.amazonaws.com\"},\"domainName\":null},"
        + "\"info\":{\"fieldName\":\"sendMessage\",\"parentTypeName\":\"Mutation\",\"variables\":{},\"selectionSetList\":[],\"selectionSetGraphQL\":\"\"},"
        + "\"prev\":null,\"stash\":{}}";

    private static string SqsEvent(params (string Id, string Body)[] records) =>
        "{\"Records\":[" + string.Join(",", records.Select(r =>
            "{\"messageId\":" + JsonSerializer.Serialize(r.Id) + ",\"receiptHandle\":\"rh\",\"body\":" + JsonSerializer.Serialize(r.Body)
            + ",\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"messageAttributes\":{},\"md5OfBody\":\"\",\"eventSource\":\"aws:sqs\","
            + "\"eventSourceARN\":\"arn:aws:sqs:us-east-1:123456789012:q\",\"awsRegion\":\"us-east-1\"}")) + "]}";
}
