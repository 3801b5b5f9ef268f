using System.Diagnostics;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS.Model;
using AppSyncChat.Aws.Sqs;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Integration.Tests.Fixtures;
using AppSyncChat.Local;
using Xunit.Abstractions;

namespace AppSyncChat.Integration.Tests.Worker;

/// <summary>
/// Poison messages end to end: SQS → the Local stack's event-source mapping → the hosted Worker function,
/// which reports them failed every time → the queue's redrive policy moves them to the DLQ. Runs its own
/// Local stack with a 2 s visibility timeout (the shared one has 6 minutes), so it takes seconds.
/// </summary>
[Collection(LocalStackCollection.Name)] // not in parallel with the shared stack's tests: the machine has 2 cores
public sealed class WorkerPoisonMessageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int MaxReceiveCount = 3;
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("appsyncchat-poison-").FullName;
    private LocalStack? _stack;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        _stack = await LocalStack.StartAsync(LocalStackFixture.CreateOptions(_directory) with
        {
            QueueVisibilityTimeout = Visibility,
            WorkerTimeout = Visibility, // the event source refuses a queue whose visibility timeout is shorter than the function's
            MaxReceiveCount = MaxReceiveCount,
        }, timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is harmless
        }
    }

    [Fact]
    public async Task MalformedTurnRequests_SentToTheQueue_LandInTheDlqAfterMaxReceives_AndAreNeverProcessedAsTurns()
    {
        var e = _stack!.Endpoints;
        using var bed = new WorkerTestBed(e);
        // A real QUEUED turn, so that a Worker that ignored the bad version would have a turn to generate.
        var seeded = await bed.SeedTurnAsync("Tell me about lighthouses [[tokens=20]]");
        var unknownVersion = JsonSerializer.Serialize(seeded with { V = 99 }, ContractsJsonContext.Default.ChatTurnRequest);
        var notJson = """{"v":1,"requestId":"r-1","conversationId":""";
        var badIds = """{"v":1,"requestId":"r-2","conversationId":"../../etc","userMessageId":"u","assistantMessageId":"a b","turn":1}""";
        string[] poison = [unknownVersion, notJson, badIds];

        using var sqs = SqsClientFactory.Create(new BasicAWSCredentials(e.AccessKeyId, e.SecretAccessKey), e.Region, new Uri(e.SqsUrl));
        var clock = Stopwatch.StartNew();
        var sent = new Dictionary<string, string>();
        foreach (var body in poison)
        {
            sent[(await sqs.SendMessageAsync(e.QueueUrl!, body, CancellationToken.None)).MessageId] = body;
        }

        // The DLQ is only read by this test; the event-source mapping polls the main queue.
        var dead = new List<Message>();
        while (dead.Count < poison.Length)
        {
            Assert.True(clock.Elapsed < Patience, $"only {dead.Count} of {poison.Length} poison messages reached the DLQ within {Patience.TotalSeconds:0} s");
#pragma warning disable CS0618 // AttributeNames: local-aws-sqs reads only this member (Aws/Sqs/README.md).
            var receive = new ReceiveMessageRequest { QueueUrl = e.DeadLetterQueueUrl!, MaxNumberOfMessages = 10, WaitTimeSeconds = 1, VisibilityTimeout = 60, AttributeNames = ["All"] };
#pragma warning restore CS0618
            dead.AddRange((await sqs.ReceiveMessageAsync(receive, CancellationToken.None)).Messages ?? []);
        }

        var elapsed = clock.Elapsed;
        output.WriteLine($"{poison.Length} poison messages in the DLQ after {elapsed.TotalSeconds:0.0} s (visibility {Visibility.TotalSeconds:0} s, maxReceiveCount {MaxReceiveCount}); "
            + $"receive counts: {string.Join(", ", dead.Select(m => m.Attributes?.GetValueOrDefault("ApproximateReceiveCount", "?") ?? "?"))}");

        // Each one exactly once, with its body intact.
        Assert.Equal(sent.Keys.Order(StringComparer.Ordinal), dead.Select(m => m.MessageId).Order(StringComparer.Ordinal));
        Assert.All(dead, m => Assert.Equal(sent[m.MessageId], m.Body));
        // Redelivered until maxReceiveCount: each failed receive hides the message for the visibility timeout.
        Assert.True(elapsed >= Visibility * (MaxReceiveCount - 1), $"moved after {elapsed.TotalSeconds:0.0} s, before {MaxReceiveCount} receives could happen");
        // Nothing left on the turn queue.
        Assert.Empty((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = e.QueueUrl!, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, CancellationToken.None)).Messages ?? []);

        // Never processed as a turn: the seeded turn is still QUEUED, and the model was never called.
        var message = await bed.MessageAsync(seeded);
        Assert.Equal(MessageStatus.Queued, message.Status);
        Assert.Equal("", message.Text);
        using var http = new HttpClient();
        using var requests = JsonDocument.Parse(await http.GetStringAsync(new Uri(new Uri(e.BedrockUrl!), "/_emulator/requests")));
        Assert.Equal(0, requests.RootElement.GetArrayLength());
    }
}
