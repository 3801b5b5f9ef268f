using System.Globalization;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using AppSyncChat.Aws.Lambda;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Local.Lambda;

public sealed record SqsEventSourceMappingOptions
{
    public required string QueueUrl { get; init; }

    /// <summary>The queue ARN for <c>eventSourceARN</c>; null: read from the queue's <c>QueueArn</c> attribute at start.</summary>
    public string? QueueArn { get; init; }

    /// <summary>Records per invocation at most (Lambda: 1–10,000 for standard queues, default 10).</summary>
    public int BatchSize { get; init; } = 10;

    /// <summary>How long to keep gathering a batch after its first record (Lambda: 0–300 s, whole seconds, default 0).</summary>
    public TimeSpan MaximumBatchingWindow { get; init; } = TimeSpan.Zero;

    /// <summary>Concurrent invocations at most (<c>ScalingConfig.MaximumConcurrency</c>: 2–1,000). Lambda starts with 5 pollers.</summary>
    public int MaximumConcurrency { get; init; } = 5;

    /// <summary><c>FunctionResponseTypes: ["ReportBatchItemFailures"]</c>: honour <c>batchItemFailures</c> in the function's response.</summary>
    public bool ReportBatchItemFailures { get; init; } = true;

    public string Region { get; init; } = "us-east-1";

    /// <summary>Pause after a failed SQS call before polling again.</summary>
    public TimeSpan ErrorBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The wait of each poller's long poll (Lambda uses 20 s). Shorter lets a test or the benchmark stop one
    /// mapping and start another on the same queue quickly: a long poll abandoned by a stopped mapping can still
    /// take a message in the emulator until its wait ends.
    /// </summary>
    public TimeSpan LongPollWait { get; init; } = TimeSpan.FromSeconds(20);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(QueueUrl);
        if (BatchSize is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be 1–10000.");
        }

        if (MaximumBatchingWindow < TimeSpan.Zero || MaximumBatchingWindow > TimeSpan.FromSeconds(300) || MaximumBatchingWindow.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumBatchingWindow), MaximumBatchingWindow, "MaximumBatchingWindow must be whole seconds, 0–300.");
        }

        // Lambda's rule (UNCONFIRMED wording): a batch size above 10 needs a batching window of at least 1 s.
        if (BatchSize > 10 && MaximumBatchingWindow < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("A BatchSize above 10 requires a MaximumBatchingWindow of at least 1 second.", nameof(MaximumBatchingWindow));
        }

        if (LongPollWait < TimeSpan.FromSeconds(1) || LongPollWait > TimeSpan.FromSeconds(20))
        {
            throw new ArgumentOutOfRangeException(nameof(LongPollWait), LongPollWait, "LongPollWait must be 1–20 seconds (whole seconds).");
        }

        if (MaximumConcurrency is < 2 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumConcurrency), MaximumConcurrency, "MaximumConcurrency must be 2–1000.");
        }
    }
}

/// <summary>Counters of a running mapping, for logs and tests.</summary>
/// <param name="LastInvocationError">The error type of the latest failed invocation (for example <c>Sandbox.Timedout</c>), or null.</param>
public sealed record SqsEventSourceMappingStatistics(long Invocations, long RecordsSucceeded, long RecordsFailed, long FailedInvocations, long PollErrors, string? LastInvocationError);

/// <summary>
/// Lambda's SQS event source mapping, emulated: long-polls the queue with AWSSDK.SQS (<see cref="IAmazonSQS"/>), gathers
/// batches (batch size, batching window, 6 MB payload), invokes the function through its
/// <see cref="LambdaRuntimeServer"/> with the Lambda SQS event, at most <c>MaximumConcurrency</c> invocations at a
/// time, and deletes only what succeeded (<c>batchItemFailures</c> honoured). Failed records are left alone: they
/// reappear after the queue's visibility timeout, so the queue's redrive policy moves poison messages to the DLQ.
/// </summary>
public sealed partial class SqsEventSourceMapping : IAsyncDisposable
{
    /// <summary>Lambda's synchronous invocation payload limit.</summary>
    public const int MaxPayloadBytes = 6 * 1024 * 1024;

    /// <summary>Rough size of a record's envelope (ids, receipt handle, attributes) in the event JSON.</summary>
    private const int RecordOverheadBytes = 1024;

    /// <summary>Pause between short polls of an empty queue while a batching window is open.</summary>
    private static readonly TimeSpan FillPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly IAmazonSQS _sqs;
    private readonly LambdaRuntimeServer _function;
    private readonly SqsEventSourceMappingOptions _options;
    private readonly string _queueArn;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _pollers = [];
    private long _invocations;
    private long _recordsSucceeded;
    private long _recordsFailed;
    private long _failedInvocations;
    private long _pollErrors;
    private string? _lastInvocationError;

    private SqsEventSourceMapping(IAmazonSQS sqs, LambdaRuntimeServer function, SqsEventSourceMappingOptions options, string queueArn, TimeProvider time, ILogger logger)
    {
        _sqs = sqs;
        _function = function;
        _options = options;
        _queueArn = queueArn;
        _time = time;
        _logger = logger;
    }

    public SqsEventSourceMappingStatistics Statistics => new(
        Interlocked.Read(ref _invocations), Interlocked.Read(ref _recordsSucceeded), Interlocked.Read(ref _recordsFailed),
        Interlocked.Read(ref _failedInvocations), Interlocked.Read(ref _pollErrors), Volatile.Read(ref _lastInvocationError));

    /// <summary>
    /// Checks the queue (it must exist, and its visibility timeout must not be shorter than the function timeout,
    /// as Lambda requires) and starts polling.
    /// </summary>
    public static async Task<SqsEventSourceMapping> StartAsync(
        IAmazonSQS sqs, LambdaRuntimeServer function, SqsEventSourceMappingOptions options,
        TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var response = await sqs.GetQueueAttributesAsync(
            new GetQueueAttributesRequest { QueueUrl = options.QueueUrl, AttributeNames = [QueueAttributeName.QueueArn, QueueAttributeName.VisibilityTimeout] },
            cancellationToken).ConfigureAwait(false);
        var attributes = response.Attributes ?? [];
        var queueArn = options.QueueArn ?? (attributes.TryGetValue(QueueAttributeName.QueueArn, out var arn) ? arn
            : throw new InvalidOperationException($"Queue {options.QueueUrl} did not report its QueueArn."));
        if (attributes.TryGetValue(QueueAttributeName.VisibilityTimeout, out var visibilityText)
            && int.TryParse(visibilityText, NumberStyles.None, CultureInfo.InvariantCulture, out var visibility)
            && TimeSpan.FromSeconds(visibility) < function.Function.Timeout)
        {
            throw new InvalidOperationException(
                $"Queue visibility timeout: {visibility} seconds is less than Function timeout: {function.Function.Timeout.TotalSeconds} seconds (Lambda refuses this mapping).");
        }

        var mapping = new SqsEventSourceMapping(sqs, function, options, queueArn, timeProvider ?? TimeProvider.System,
            loggerFactory?.CreateLogger($"AppSyncChat.Local.Lambda.{function.Function.FunctionName}.SqsEventSource") ?? NullLogger.Instance);
        for (var i = 0; i < options.MaximumConcurrency; i++)
        {
            mapping._pollers.Add(Task.Run(() => mapping.PollAsync(mapping._stopping.Token), CancellationToken.None));
        }

        return mapping;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_pollers).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    /// <summary>
    /// Builds the event Lambda sends for a batch: camelCase records, system attributes as strings,
    /// message attributes with <c>stringValue</c>/<c>binaryValue</c> (base64)/<c>stringListValues</c>/<c>binaryListValues</c>/<c>dataType</c>.
    /// </summary>
    public static SqsEvent BuildEvent(IReadOnlyList<Message> messages, string queueArn, string region)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var records = new List<SqsEventRecord>(messages.Count);
        foreach (var message in messages)
        {
            var attributes = new Dictionary<string, SqsEventMessageAttribute>(StringComparer.Ordinal);
            foreach (var (name, value) in message.MessageAttributes ?? [])
            {
                attributes[name] = new SqsEventMessageAttribute
                {
                    DataType = value.DataType,
                    StringValue = value.StringValue,
                    BinaryValue = value.BinaryValue is null ? null : Convert.ToBase64String(value.BinaryValue.ToArray()),
                };
            }

            records.Add(new SqsEventRecord
            {
                MessageId = message.MessageId,
                ReceiptHandle = message.ReceiptHandle,
                Body = message.Body,
                Attributes = message.Attributes ?? [],
                MessageAttributes = attributes,
                Md5OfBody = message.MD5OfBody,
                Md5OfMessageAttributes = message.MD5OfMessageAttributes,
                EventSource = "aws:sqs",
                EventSourceArn = queueArn,
                AwsRegion = region,
            });
        }

        return new SqsEvent(records);
    }

    /// <summary>
    /// The message ids to keep (not delete) after a successful invocation, or null when the whole batch failed.
    /// Empty/null response or list: all succeeded. Unparseable JSON, an empty/null <c>itemIdentifier</c> or one that
    /// names no record of the batch: the whole batch failed (Lambda's documented rules for partial batch responses).
    /// </summary>
    public static IReadOnlySet<string>? ParseBatchItemFailures(ReadOnlySpan<byte> response, IReadOnlyCollection<string> batchMessageIds)
    {
        ArgumentNullException.ThrowIfNull(batchMessageIds);
        var trimmed = System.Text.Encoding.UTF8.GetString(response).Trim();
        if (trimmed.Length == 0 || trimmed == "null")
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        SqsBatchResponse? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(trimmed, LambdaEventsJsonContext.Default.SqsBatchResponse);
        }
        catch (JsonException)
        {
            return null;
        }

        var failures = new HashSet<string>(StringComparer.Ordinal);
        if (parsed?.BatchItemFailures is not { Count: > 0 } items)
        {
            return failures;
        }

        var known = batchMessageIds as IReadOnlySet<string> ?? new HashSet<string>(batchMessageIds, StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item is null || string.IsNullOrEmpty(item.ItemIdentifier) || !known.Contains(item.ItemIdentifier))
            {
                return null;
            }

            failures.Add(item.ItemIdentifier);
        }

        return failures;
    }

    private async Task PollAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var batch = await GatherBatchAsync(stopping).ConfigureAwait(false);
                if (batch.Count > 0)
                {
                    await InvokeAsync(batch, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _pollErrors);
                LogPollFailed(_logger, _options.QueueUrl, ex);
                try
                {
                    await Task.Delay(_options.ErrorBackoff, _time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Gathers one batch: a long poll for a single message (it returns as soon as one is there, also on engines
    /// that otherwise hold a long poll open until MaxNumberOfMessages are found, such as local-aws-sqs), then
    /// short polls to fill the batch — once without a batching window, or until the window, the batch size or
    /// the payload limit is reached with one. A message seen twice (redelivered while gathering) keeps its
    /// newest receipt handle.
    /// </summary>
    private async Task<List<Message>> GatherBatchAsync(CancellationToken stopping)
    {
        var batch = new List<Message>();
        var first = await ReceiveAsync(1, (int)_options.LongPollWait.TotalSeconds, stopping).ConfigureAwait(false);
        if (first.Count == 0)
        {
            return batch;
        }

        var windowStarted = _time.GetTimestamp();
        var bytes = 0L;
        Add(batch, first, ref bytes);
        while (batch.Count < _options.BatchSize && bytes < MaxPayloadBytes * 0.9)
        {
            var received = await ReceiveAsync(Math.Min(10, _options.BatchSize - batch.Count), 0, stopping).ConfigureAwait(false);
            Add(batch, received, ref bytes);
            if (_options.MaximumBatchingWindow == TimeSpan.Zero)
            {
                break; // no window: invoke with what is there now
            }

            var remaining = _options.MaximumBatchingWindow - _time.GetElapsedTime(windowStarted);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            if (received.Count == 0)
            {
                await Task.Delay(remaining < FillPollInterval ? remaining : FillPollInterval, _time, stopping).ConfigureAwait(false);
            }
        }

        return batch;
    }

    /// <summary>
    /// One ReceiveMessage, asking for every system attribute (Lambda's event carries them) and every message
    /// attribute. Both the current <c>MessageSystemAttributeNames</c> and the deprecated <c>AttributeNames</c> are
    /// sent: local-aws-sqs reads only the older member (Aws/Sqs/README.md).
    /// </summary>
    private async Task<List<Message>> ReceiveAsync(int maxMessages, int waitSeconds, CancellationToken stopping)
    {
#pragma warning disable CS0618 // AttributeNames is deprecated in favour of MessageSystemAttributeNames; see above.
        var request = new ReceiveMessageRequest
        {
            QueueUrl = _options.QueueUrl,
            MaxNumberOfMessages = maxMessages,
            WaitTimeSeconds = waitSeconds,
            MessageSystemAttributeNames = ["All"],
            AttributeNames = ["All"],
            MessageAttributeNames = ["All"],
        };
#pragma warning restore CS0618
        var response = await _sqs.ReceiveMessageAsync(request, stopping).ConfigureAwait(false);
        return response.Messages ?? []; // AWSSDK 4: an empty receive leaves the list null
    }

    private static void Add(List<Message> batch, IReadOnlyList<Message> received, ref long bytes)
    {
        foreach (var message in received)
        {
            var seen = batch.FindIndex(m => m.MessageId == message.MessageId);
            if (seen >= 0)
            {
                batch[seen] = message;
                continue;
            }

            batch.Add(message);
            bytes += System.Text.Encoding.UTF8.GetByteCount(message.Body) + RecordOverheadBytes;
        }
    }

    private async Task InvokeAsync(List<Message> batch, CancellationToken stopping)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(BuildEvent(batch, _queueArn, _options.Region), LambdaEventsJsonContext.Default.SqsEvent);
        string? trace = null;
        batch[0].Attributes?.TryGetValue(MessageSystemAttributeName.AWSTraceHeader, out trace);
        Interlocked.Increment(ref _invocations);
        var result = await _function.InvokeAsync(payload, trace, stopping).ConfigureAwait(false);

        IReadOnlySet<string>? failed;
        if (result.IsError)
        {
            Interlocked.Increment(ref _failedInvocations);
            Volatile.Write(ref _lastInvocationError, result.ErrorType ?? "Unknown");
            LogBatchFailed(_logger, batch.Count, result.RequestId, result.ErrorType ?? "-");
            failed = null;
        }
        else
        {
            failed = _options.ReportBatchItemFailures
                ? ParseBatchItemFailures(result.Payload.Span, batch.Select(m => m.MessageId).ToHashSet(StringComparer.Ordinal))
                : new HashSet<string>(StringComparer.Ordinal);
            if (failed is null)
            {
                LogBadBatchResponse(_logger, batch.Count, result.RequestId);
            }
        }

        if (failed is null)
        {
            // Whole batch failed: delete nothing; every record reappears after the visibility timeout.
            Interlocked.Add(ref _recordsFailed, batch.Count);
            return;
        }

        var succeeded = batch.Where(m => !failed.Contains(m.MessageId)).ToList();
        Interlocked.Add(ref _recordsFailed, batch.Count - succeeded.Count);
        foreach (var chunk in succeeded.Chunk(10))
        {
            var entries = chunk.Select((m, i) => new DeleteMessageBatchRequestEntry { Id = i.ToString(CultureInfo.InvariantCulture), ReceiptHandle = m.ReceiptHandle }).ToList();
            var deleted = await _sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest { QueueUrl = _options.QueueUrl, Entries = entries }, stopping).ConfigureAwait(false);
            var errors = deleted.Failed ?? [];
            Interlocked.Add(ref _recordsSucceeded, chunk.Length - errors.Count);
            foreach (var error in errors)
            {
                LogDeleteFailed(_logger, error.Id, error.Code, error.Message ?? "");
            }
        }
    }

    [LoggerMessage(EventId = 130, Level = LogLevel.Warning, Message = "Polling {QueueUrl} failed; backing off")]
    private static partial void LogPollFailed(ILogger logger, string queueUrl, Exception exception);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Batch of {Count} records failed in invocation {RequestId} ({ErrorType}); the records will reappear after the visibility timeout")]
    private static partial void LogBatchFailed(ILogger logger, int count, string requestId, string errorType);

    [LoggerMessage(EventId = 132, Level = LogLevel.Warning, Message = "Invocation {RequestId} returned an invalid batchItemFailures response; treating all {Count} records as failed")]
    private static partial void LogBadBatchResponse(ILogger logger, int count, string requestId);

    [LoggerMessage(EventId = 133, Level = LogLevel.Warning, Message = "Deleting batch entry {Id} failed: {Code} {Message}")]
    private static partial void LogDeleteFailed(ILogger logger, string id, string code, string message);
}
