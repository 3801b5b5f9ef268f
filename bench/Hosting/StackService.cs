using System.Diagnostics;
using Amazon.SQS.Model;
using AppSyncChat.Aws.Sqs;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Local;
using AppSyncChat.Local.Bedrock;
using AppSyncChat.Local.Hosting;
using Amazon.Runtime;

namespace AppSyncChat.Bench.Hosting;

/// <summary>
/// The Local stack as the benchmark runs it: everything but the Worker under test. The Api enqueues to a
/// queue of its own (<see cref="BenchQueueName"/>) that only the bench Worker drains, so the Worker can run
/// in a separate process (measured apart) and be restarted with another publish strategy while the stack
/// stays up. The stack's own Worker polls the stack's default queue, which stays empty.
/// A second Bedrock emulator with a request log large enough for 1,000 concurrent answers serves the bench Worker.
/// </summary>
public sealed class StackService : IAsyncDisposable
{
    public const string BenchQueueName = "appsyncchat-bench-turns";

    private readonly LocalStack _stack;
    private readonly BedrockEmulatorServer _bedrock;

    private StackService(LocalStack stack, BedrockEmulatorServer bedrock, StackInfo info)
    {
        _stack = stack;
        _bedrock = bedrock;
        Info = info;
    }

    public StackInfo Info { get; }

    public static async Task<StackService> StartAsync(ModelPacing pacing, int apiConcurrency, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var bedrock = await BedrockEmulatorServer.StartAsync(
            new BedrockEmulatorOptions
            {
                Port = 0,
                TimeToFirstToken = pacing.TimeToFirstToken,
                TokensPerSecond = pacing.TokensPerSecond,
                AnswerTokens = pacing.AnswerTokens,
                RequestLogCapacity = 20_000,
            },
            cancellationToken).ConfigureAwait(false);
        try
        {
            // local-aws-sqs finds a queue by the last segment of QueueUrl, so the Api can be given the URL
            // before the queue exists (it is created below, before anything is sent).
            var plannedQueueUrl = $"http://127.0.0.1/000000000000/{BenchQueueName}";
            var options = new LocalStackOptions
            {
                Ports = LocalStackPorts.Dynamic,
                ApiConcurrency = apiConcurrency,
                WorkerConcurrency = 2,
                ApiSettings = new Dictionary<string, string> { [SettingNames.QueueUrl] = plannedQueueUrl },
                WorkerSettings = new Dictionary<string, string> { [SettingNames.BedrockEndpoint] = bedrock.BaseAddress.ToString().TrimEnd('/') },
                Model = new LocalModelOptions
                {
                    TimeToFirstToken = pacing.TimeToFirstToken,
                    TokensPerSecond = pacing.TokensPerSecond,
                    AnswerTokens = pacing.AnswerTokens,
                },
            };
            var stack = await LocalStack.StartAsync(options, cancellationToken).ConfigureAwait(false);
            try
            {
                var e = stack.Endpoints;
                using var sqs = SqsClientFactory.Create(new BasicAWSCredentials(e.AccessKeyId, e.SecretAccessKey), e.Region, new Uri(e.SqsUrl));
                var queueUrl = (await sqs.CreateQueueAsync(
                    new CreateQueueRequest { QueueName = BenchQueueName, Attributes = new() { ["VisibilityTimeout"] = "720" } },
                    cancellationToken).ConfigureAwait(false)).QueueUrl;
                if (!queueUrl.EndsWith("/" + BenchQueueName, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"The bench queue URL '{queueUrl}' does not end with its name; the Api was given '{plannedQueueUrl}'.");
                }

                var info = new StackInfo
                {
                    Region = e.Region,
                    AccessKeyId = e.AccessKeyId,
                    SecretAccessKey = e.SecretAccessKey,
                    GraphqlUrl = e.GraphqlUrl,
                    GraphqlApiKey = e.GraphqlApiKey,
                    EventsHttpUrl = e.EventsHttpUrl ?? throw new InvalidOperationException("The stack reports no AppSync Events HTTP endpoint."),
                    EventsRealtimeUrl = e.EventsRealtimeUrl ?? throw new InvalidOperationException("The stack reports no AppSync Events WebSocket endpoint."),
                    EventsApiKey = e.EventsApiKey,
                    BedrockUrl = bedrock.BaseAddress.ToString().TrimEnd('/'),
                    ModelId = e.ModelId,
                    DynamoDbUrl = e.DynamoDbUrl,
                    TableName = e.TableName,
                    SqsUrl = e.SqsUrl,
                    QueueUrl = queueUrl,
                    StackProcessId = Environment.ProcessId,
                    SidecarProcessId = e.SidecarProcessId,
                    StartMs = started.Elapsed.TotalMilliseconds,
                };
                return new StackService(stack, bedrock, info);
            }
            catch
            {
                await stack.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch
        {
            await bedrock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stack.DisposeAsync().ConfigureAwait(false);
        await _bedrock.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The model's pace (Bedrock emulator defaults; every prompt also carries them as directives).</summary>
public sealed record ModelPacing(TimeSpan TimeToFirstToken, double TokensPerSecond, int AnswerTokens)
{
    public string Directives => FormattableString.Invariant($"[[ttft={(int)TimeToFirstToken.TotalMilliseconds}]] [[rate={TokensPerSecond}]] [[tokens={AnswerTokens}]]");
}
