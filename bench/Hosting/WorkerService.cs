using System.Diagnostics;
using Amazon.SQS;
using AppSyncChat.Aws.Sqs;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Local.Lambda;
using AppSyncChat.Bench.Baselines;
using AppSyncChat.Worker;
using AppSyncChat.Worker.Hosting;
using Amazon.Runtime;

namespace AppSyncChat.Bench.Hosting;

/// <summary>How to start the Worker under test.</summary>
public sealed record WorkerLaunch
{
    public required StackInfo Stack { get; init; }

    /// <summary><c>coalesced</c>, <c>per-delta</c>, <c>sentence</c> or <c>final-only</c> (<see cref="PublishStrategies"/>).</summary>
    public required string Strategy { get; init; }

    /// <summary>Lambda instances (and the event-source mapping's maximum concurrency).</summary>
    public int Instances { get; init; } = 10;

    public int BatchSize { get; init; } = 10;
}

/// <summary>
/// The Worker function hosted the way Lambda hosts it (our Runtime API emulator, an SQS event-source
/// mapping of the bench queue), in whatever process calls <see cref="StartAsync"/>. Measures the time
/// from the entry point's call to its first poll of the Runtime API.
/// </summary>
public sealed class WorkerService : IAsyncDisposable
{
    private readonly LambdaRuntimeServer _server;
    private readonly FunctionHost _first;
    private readonly FunctionHost? _rest;
    private readonly SqsEventSourceMapping _mapping;
    private readonly AmazonSQSClient _sqs;

    private WorkerService(LambdaRuntimeServer server, FunctionHost first, FunctionHost? rest, SqsEventSourceMapping mapping, AmazonSQSClient sqs, double entryToFirstPollMs, double processStartToFirstPollMs)
    {
        _server = server;
        _first = first;
        _rest = rest;
        _mapping = mapping;
        _sqs = sqs;
        EntryToFirstPollMs = entryToFirstPollMs;
        ProcessStartToFirstPollMs = processStartToFirstPollMs;
    }

    /// <summary>
    /// Each poller's long-poll wait. Short, because a long poll abandoned by a stopped Worker can still take a
    /// message in the SQS emulator until its wait ends: the next Worker starts after this has passed.
    /// </summary>
    public static TimeSpan LongPollWait { get; } = TimeSpan.FromSeconds(2);

    public double EntryToFirstPollMs { get; }

    public double ProcessStartToFirstPollMs { get; }

    public long Invocations => _mapping.Statistics.Invocations;

    public long RecordsFailed => _mapping.Statistics.RecordsFailed;

    public static async Task<WorkerService> StartAsync(WorkerLaunch launch, CancellationToken cancellationToken)
    {
        var s = launch.Stack;
        var settings = new WorkerEnvironment
        {
            TableName = s.TableName,
            DefaultModelId = s.ModelId,
            EventsHttpEndpoint = s.EventsHttpUrl,
            // As the Local stack runs the Worker (and as the published figures were measured): demo tools offered.
            DemoTools = true,
            LogFormat = "text",
            OffAws = new OffAwsAccess(s.Region, s.AccessKeyId, s.SecretAccessKey) { DynamoDbEndpoint = s.DynamoDbUrl, SqsEndpoint = s.SqsUrl, BedrockEndpoint = s.BedrockUrl },
        }.Build();
        // A baseline reaches the Worker through its publishing seam; the Worker has no setting for it.
        var seams = new WorkerSeams { PublishPolicy = PublishStrategies.PolicyFor(launch.Strategy) };
        Task Entry(Func<string, string?> lookup, CancellationToken token) => WorkerFunction.RunAsync(lookup, seams, token);
        var function = new LambdaFunctionOptions { FunctionName = "appsyncchat-bench-worker", Timeout = TimeSpan.FromMinutes(2), Region = s.Region };
        var server = await LambdaRuntimeServer.StartAsync(function, cancellationToken: cancellationToken).ConfigureAwait(false);
        FunctionHost? first = null;
        FunctionHost? rest = null;
        AmazonSQSClient? sqs = null;
        try
        {
            // One instance alone first, as one Lambda sandbox starts: its entry → first poll is the start-up
            // figure (the other instances would otherwise compete for the same 2 cores while it starts).
            var entry = Stopwatch.StartNew();
            first = FunctionHost.Start(server, Entry, new FunctionHostOptions { Instances = 1, Settings = settings });
            while (server.WaitingRuntimes == 0)
            {
                if (entry.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"The Worker did not poll the Runtime API within a minute (host failures: {first.Failures}, last: {first.LastFailure?.Message}).");
                }

                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }

            var entryToFirstPoll = entry.Elapsed.TotalMilliseconds;
            var processStartToFirstPoll = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
            if (launch.Instances > 1)
            {
                rest = FunctionHost.Start(server, Entry, new FunctionHostOptions { Instances = launch.Instances - 1, Settings = settings });
                while (server.WaitingRuntimes < launch.Instances && entry.Elapsed < TimeSpan.FromSeconds(120))
                {
                    await Task.Delay(10, cancellationToken).ConfigureAwait(false);
                }
            }

            sqs = SqsClientFactory.Create(new BasicAWSCredentials(s.AccessKeyId, s.SecretAccessKey), s.Region, new Uri(s.SqsUrl));
            var mapping = await SqsEventSourceMapping.StartAsync(
                sqs,
                server,
                new SqsEventSourceMappingOptions
                {
                    QueueUrl = s.QueueUrl,
                    BatchSize = launch.BatchSize,
                    MaximumConcurrency = launch.Instances,
                    ReportBatchItemFailures = true,
                    Region = s.Region,
                    LongPollWait = LongPollWait,
                },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return new WorkerService(server, first, rest, mapping, sqs, entryToFirstPoll, processStartToFirstPoll);
        }
        catch
        {
            sqs?.Dispose();
            if (rest is not null)
            {
                await rest.DisposeAsync().ConfigureAwait(false);
            }

            if (first is not null)
            {
                await first.DisposeAsync().ConfigureAwait(false);
            }

            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _mapping.DisposeAsync().ConfigureAwait(false);
        if (_rest is not null)
        {
            await _rest.DisposeAsync().ConfigureAwait(false);
        }

        await _first.DisposeAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        _sqs.Dispose();
    }
}
