using System.Collections.Concurrent;
using System.Text;
using Amazon.Runtime;
using AppSyncChat.Aws.Lambda;
using System.Security.Cryptography;
using Amazon.SQS;
using Amazon.SQS.Model;
using AppSyncChat.Aws.Sqs;
using AppSyncChat.Local.Lambda;
using AppSyncChat.Testing;

namespace AppSyncChat.Local.Tests.Lambda;

/// <summary>The SQS event source mapping emulator over the real third-party engine local-aws-sqs, invoking a test function.</summary>
public sealed class SqsEventSourceMappingTests(LocalSqsServer sqs) : IClassFixture<LocalSqsServer>, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(25);
    private readonly AmazonSQSClient _client = SqsClientFactory.Create(new BasicAWSCredentials(LocalSqsServer.AccessKey, LocalSqsServer.SecretKey), LocalSqsServer.Region, sqs.Endpoint);
    private readonly ConcurrentQueue<(SqsEvent Event, string Raw)> _invocations = new();
    private readonly ConcurrentDictionary<string, int> _deliveries = new();
    private readonly ConcurrentQueue<string> _responses = new();

    [Fact]
    public async Task Mapping_BatchWithOneReportedFailure_DeletesSuccessesAndRedeliversTheFailure()
    {
        var queueUrl = await CreateQueueAsync(visibilitySeconds: 2);
        var bodies = new[] { "ok-1", "fail-2", "ok-3", "ok-4" };
        foreach (var body in bodies)
        {
            await _client.SendMessageAsync(new SendMessageRequest(queueUrl, body)
            {
                MessageAttributes = new()
                {
                    ["kind"] = new() { DataType = "String", StringValue = body[..2] },
                    ["blob"] = new() { DataType = "Binary", BinaryValue = new MemoryStream([1, 2, 3]) },
                },
            }, CancellationToken.None);
        }

        // Fails "fail-…" records on their first delivery only, through batchItemFailures.
        await using var stack = await StartAsync(queueUrl, new SqsEventSourceMappingOptions { QueueUrl = queueUrl, BatchSize = 10, MaximumBatchingWindow = TimeSpan.FromSeconds(1) },
            (record, receiveCount) => record.Body.StartsWith("fail", StringComparison.Ordinal) && receiveCount == 1 ? Outcome.Report : Outcome.Succeed);

        await Eventually.TrueAsync(() => _deliveries.GetValueOrDefault("fail-2") == 2 && stack.Mapping.Statistics.RecordsSucceeded == 4, Wait, "the failed record redelivered and every record deleted", () => Describe(stack));
        await AssertQueueEmptyAsync(queueUrl);

        Assert.Equal(1, _deliveries["ok-1"]);
        Assert.Equal(1, _deliveries["ok-3"]);
        Assert.Equal(1, _deliveries["ok-4"]);
        var first = _invocations.First();
        var record = first.Event.Records[0];
        Assert.Equal("aws:sqs", record.EventSource);
        Assert.EndsWith(":" + queueUrl.Split('/')[^1], record.EventSourceArn, StringComparison.Ordinal);
        Assert.Equal("us-east-1", record.AwsRegion);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(record.Body))), record.Md5OfBody);
        Assert.Equal("AQID", record.MessageAttributes["blob"].BinaryValue);
        Assert.Equal("String", record.MessageAttributes["kind"].DataType);
        Assert.True(record.Attributes.ContainsKey("SentTimestamp"));
        // The wire shape Lambda sends: PascalCase "Records", camelCase record keys.
        Assert.Contains("\"Records\":[", first.Raw, StringComparison.Ordinal);
        Assert.Contains("\"messageId\":", first.Raw, StringComparison.Ordinal);
        Assert.Contains("\"eventSourceARN\":", first.Raw, StringComparison.Ordinal);
        Assert.Contains("\"stringListValues\":[]", first.Raw, StringComparison.Ordinal);
        Assert.Contains("\"ApproximateReceiveCount\":\"1\"", first.Raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Outcome.Throw)]
    [InlineData(Outcome.ReportUnknownId)]
    [InlineData(Outcome.ReportEmptyId)]
    public async Task Mapping_WholeBatchFailure_RedeliversEveryRecordOfTheBatch(Outcome firstDelivery)
    {
        var queueUrl = await CreateQueueAsync(visibilitySeconds: 2);
        await _client.SendMessageAsync(queueUrl, "a", CancellationToken.None);
        await _client.SendMessageAsync(queueUrl, "b", CancellationToken.None);

        await using var stack = await StartAsync(queueUrl, new SqsEventSourceMappingOptions { QueueUrl = queueUrl, BatchSize = 10, MaximumBatchingWindow = TimeSpan.FromSeconds(1) },
            (_, receiveCount) => receiveCount == 1 ? firstDelivery : Outcome.Succeed);

        await Eventually.TrueAsync(() => stack.Mapping.Statistics.RecordsSucceeded == 2, Wait, "both records deleted after their second delivery", () => Describe(stack));
        await AssertQueueEmptyAsync(queueUrl);

        // Neither record was deleted after the failed invocation, whatever the response said about the other one.
        Assert.Equal(2, _deliveries["a"]);
        Assert.Equal(2, _deliveries["b"]);
        Assert.True(stack.Mapping.Statistics.RecordsFailed >= 2);
    }

    [Theory]
    [InlineData(4, 2, 2)] // the mapping's MaximumConcurrency is the limit
    [InlineData(1, 3, 1)] // one execution environment: invocations queue for it
    public async Task Mapping_ManyMessages_ConcurrencyNeverExceedsTheLimit(int instances, int maximumConcurrency, int expectedPeak)
    {
        var queueUrl = await CreateQueueAsync(visibilitySeconds: 30);
        for (var i = 0; i < 6; i++)
        {
            await _client.SendMessageAsync(queueUrl, $"m{i}", CancellationToken.None);
        }

        var current = 0;
        var peak = 0;
        await using var stack = await StartAsync(queueUrl, new SqsEventSourceMappingOptions { QueueUrl = queueUrl, BatchSize = 1, MaximumConcurrency = maximumConcurrency },
            (_, _) => Outcome.Succeed,
            instances,
            // This test is about concurrency, not deadlines: a timeout far above the 300 ms of work, so a loaded machine
            // cannot turn a slow success into Sandbox.Timedout (seen with the 1 s timeout the other tests need).
            functionTimeout: TimeSpan.FromSeconds(10),
            work: async ct =>
            {
                var now = Interlocked.Increment(ref current);
                InterlockedMax(ref peak, now);
                try
                {
                    await Task.Delay(300, ct); // simulated work, so invocations overlap
                }
                finally
                {
                    Interlocked.Decrement(ref current);
                }
            });

        await Eventually.TrueAsync(() => stack.Mapping.Statistics.RecordsSucceeded == 6, Wait, "all six records processed", () => Describe(stack));

        Assert.Equal(expectedPeak, Volatile.Read(ref peak));
        Assert.Equal(6, stack.Mapping.Statistics.Invocations);
    }

    [Fact]
    public async Task Mapping_SuccessAnsweredAfterTheDeadline_IsATimeout_AndTheRecordComesBack()
    {
        // As in Lambda, a response that arrives after the function's deadline does not count: the invocation timed
        // out and its records reappear after the visibility timeout, whatever the late response said.
        var queueUrl = await CreateQueueAsync(visibilitySeconds: 2);
        await _client.SendMessageAsync(queueUrl, "late", CancellationToken.None);
        var calls = 0;

        await using var stack = await StartAsync(queueUrl, new SqsEventSourceMappingOptions { QueueUrl = queueUrl, BatchSize = 1 },
            (_, _) => Outcome.Succeed,
            work: async _ =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    await Task.Delay(1_500, CancellationToken.None); // past the 1 s timeout, ignoring the deadline
                }
            });

        await Eventually.TrueAsync(() => stack.Mapping.Statistics.RecordsSucceeded == 1, Wait, "the record deleted after its second delivery", () => Describe(stack));

        var statistics = stack.Mapping.Statistics;
        Assert.Equal(1, statistics.FailedInvocations);
        Assert.Equal("Sandbox.Timedout", statistics.LastInvocationError);
        Assert.Equal(2, _deliveries["late"]);
        await AssertQueueEmptyAsync(queueUrl);
    }

    [Fact]
    public async Task Mapping_MoreMessagesThanBatchSize_EveryBatchWithinTheSize()
    {
        var queueUrl = await CreateQueueAsync(visibilitySeconds: 30);
        for (var i = 0; i < 7; i++)
        {
            await _client.SendMessageAsync(queueUrl, $"m{i}", CancellationToken.None);
        }

        await using var stack = await StartAsync(queueUrl, new SqsEventSourceMappingOptions { QueueUrl = queueUrl, BatchSize = 3, MaximumBatchingWindow = TimeSpan.FromSeconds(1), MaximumConcurrency = 2 },
            (_, _) => Outcome.Succeed);

        await Eventually.TrueAsync(() => stack.Mapping.Statistics.RecordsSucceeded == 7, Wait, "all seven records processed", () => Describe(stack));

        var sizes = _invocations.Select(i => i.Event.Records.Count).ToList();
        Assert.All(sizes, size => Assert.InRange(size, 1, 3));
        Assert.Equal(3, sizes.Max()); // records already in the queue fill a batch
        Assert.Equal(7, sizes.Sum());
        Assert.All(_deliveries.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Mapping_FunctionAlwaysFails_QueueRedrivesTheMessageToTheDlq()
    {
        var dlqUrl = (await _client.CreateQueueAsync($"dlq-{Guid.NewGuid():N}", CancellationToken.None)).QueueUrl;
        var dlqArn = (await _client.GetQueueAttributesAsync(dlqUrl, ["QueueArn"], CancellationToken.None)).Attributes["QueueArn"];
        var queueUrl = await CreateQueueAsync(visibilitySeconds: 1, redrivePolicy: $$"""{"deadLetterTargetArn":"{{dlqArn}}","maxReceiveCount":2}""");
        var messageId = (await _client.SendMessageAsync(queueUrl, "poison", CancellationToken.None)).MessageId;

        await using var stack = await StartAsync(queueUrl, new SqsEventSourceMappingOptions { QueueUrl = queueUrl }, (_, _) => Outcome.Throw);

        var dead = new List<Message>();
        await Eventually.TrueAsync(async () =>
        {
            dead.AddRange((await _client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = dlqUrl, WaitTimeSeconds = 1 }, CancellationToken.None)).Messages ?? []);
            return dead.Count > 0;
        }, Wait, "the poison message in the DLQ", () => Describe(stack));

        Assert.Equal(messageId, Assert.Single(dead).MessageId);
        Assert.Equal(2, _deliveries["poison"]);
        Assert.Equal(0, stack.Mapping.Statistics.RecordsSucceeded);
    }

    [Fact]
    public async Task StartAsync_VisibilityTimeoutShorterThanFunctionTimeout_IsRefused()
    {
        var queueUrl = await CreateQueueAsync(visibilitySeconds: 1);
        await using var function = await LambdaRuntimeServer.StartAsync(new LambdaFunctionOptions { FunctionName = "slow", Timeout = TimeSpan.FromSeconds(5) });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SqsEventSourceMapping.StartAsync(_client, function, new SqsEventSourceMappingOptions { QueueUrl = queueUrl }));

        Assert.Contains("visibility timeout", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => _client.Dispose();

    private string Describe(Stack stack) =>
        $"Statistics: {stack.Mapping.Statistics}; host failures {stack.Host.Failures} ({stack.Host.LastFailure?.Message}); deliveries: {string.Join(", ", _deliveries.Select(d => $"{d.Key}={d.Value}"))}; responses: {string.Join(" | ", _responses)}";

    public enum Outcome
    {
        Succeed,
        Report,
        Throw,
        ReportUnknownId,
        ReportEmptyId,
    }

    private async Task<string> CreateQueueAsync(int visibilitySeconds, string? redrivePolicy = null)
    {
        var attributes = new Dictionary<string, string> { ["VisibilityTimeout"] = visibilitySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (redrivePolicy is not null)
        {
            attributes["RedrivePolicy"] = redrivePolicy;
        }

        return (await _client.CreateQueueAsync(new CreateQueueRequest { QueueName = $"esm-{Guid.NewGuid():N}", Attributes = attributes }, CancellationToken.None)).QueueUrl;
    }

    private async Task AssertQueueEmptyAsync(string queueUrl)
    {
        var attributes = (await _client.GetQueueAttributesAsync(queueUrl, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"], CancellationToken.None)).Attributes;
        Assert.Equal("0", attributes["ApproximateNumberOfMessages"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessagesNotVisible"]);
    }

    /// <summary>Hosts a test function that records every delivery and answers per record as <paramref name="decide"/> says.</summary>
    /// <param name="functionTimeout">1 s unless given: it must not exceed the shortest queue visibility timeout a test uses.</param>
    private async Task<Stack> StartAsync(string queueUrl, SqsEventSourceMappingOptions options, Func<SqsEventRecord, int, Outcome> decide, int instances = 2, TimeSpan? functionTimeout = null, Func<CancellationToken, Task>? work = null)
    {
        _ = queueUrl;
        var function = await LambdaRuntimeServer.StartAsync(new LambdaFunctionOptions { FunctionName = "worker", Timeout = functionTimeout ?? TimeSpan.FromSeconds(1) });
        var code = new TestFunction(_ => async (invocation, ct) =>
        {
            var sqsEvent = TestFunction.ParseSqsEvent(invocation);
            _invocations.Enqueue((sqsEvent, Encoding.UTF8.GetString(invocation.Payload.Span)));
            if (work is not null)
            {
                await work(ct);
            }

            var reported = new List<string>();
            var outcomes = sqsEvent.Records.Select(r =>
            {
                _deliveries.AddOrUpdate(r.Body, 1, (_, n) => n + 1);
                return (Record: r, Outcome: decide(r, int.Parse(r.Attributes["ApproximateReceiveCount"], System.Globalization.CultureInfo.InvariantCulture)));
            }).ToList();
            _responses.Enqueue(string.Join(",", outcomes.Select(o => $"{o.Record.Body}#{o.Record.Attributes["ApproximateReceiveCount"]}:{o.Outcome}")));
            foreach (var (record, outcome) in outcomes)
            {
                switch (outcome)
                {
                    case Outcome.Throw:
                        throw new InvalidOperationException("batch failed");
                    case Outcome.Report:
                        reported.Add(record.MessageId);
                        break;
                    case Outcome.ReportUnknownId:
                        reported.Add("not-a-message-of-this-batch");
                        break;
                    case Outcome.ReportEmptyId:
                        reported.Add("");
                        break;
                }
            }

            return TestFunction.BatchResponse([.. reported]);
        });
        var host = FunctionHost.Start(function, code.RunAsync, new FunctionHostOptions { Instances = instances });
        var mapping = await SqsEventSourceMapping.StartAsync(_client, function, options);
        return new Stack(function, host, mapping);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private sealed record Stack(LambdaRuntimeServer Function, FunctionHost Host, SqsEventSourceMapping Mapping) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Mapping.DisposeAsync();
            await Host.DisposeAsync();
            await Function.DisposeAsync();
        }
    }
}
