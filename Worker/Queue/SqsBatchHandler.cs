using System.Text.Json;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Worker.Turns;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Queue;

/// <summary>
/// The Lambda handler for the SQS event source: every record of a batch runs concurrently; the response
/// lists exactly the records to retry (<c>batchItemFailures</c>; the event source mapping must enable
/// <c>ReportBatchItemFailures</c>). A record that can never succeed (malformed body) is reported failed
/// every time, so the queue's redrive policy moves it to the DLQ after <c>maxReceiveCount</c> receives;
/// a request for a message that no longer exists is acknowledged and dropped.
/// </summary>
public sealed partial class SqsBatchHandler(TurnProcessor processor, ILogger logger)
{
    /// <summary>The <see cref="LambdaHandler"/> shape: SQS event JSON in, batch response JSON out.</summary>
    public async Task<ReadOnlyMemory<byte>> HandleAsync(LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        SqsEvent? sqsEvent;
        try
        {
            sqsEvent = JsonSerializer.Deserialize(invocation.Payload.Span, LambdaEventsJsonContext.Default.SqsEvent);
        }
        catch (JsonException ex)
        {
            // Not an SQS event at all: fail the invocation (the whole batch is retried).
            throw new InvalidDataException("The invocation payload is not an SQS event.", ex);
        }

        if (sqsEvent?.Records is null)
        {
            throw new InvalidDataException("The invocation payload is not an SQS event (no Records).");
        }

        var response = await HandleAsync(sqsEvent, invocation.Deadline, invocation.RequestId, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.SerializeToUtf8Bytes(response, LambdaEventsJsonContext.Default.SqsBatchResponse);
    }

    public async Task<SqsBatchResponse> HandleAsync(SqsEvent sqsEvent, DateTimeOffset deadline, string? invocationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sqsEvent);

        // The invocation's token fires at the deadline itself, when it is too late to answer: then the runtime
        // reports a timeout and the whole batch comes back, finished records included. Records still running at
        // deadline − ResponseMargin are cut off instead and reported in batchItemFailures.
        var time = processor.Time;
        var cutoffIn = deadline - processor.Options.ResponseMargin - time.GetUtcNow();
        using var cutoff = new CancellationTokenSource(cutoffIn > TimeSpan.Zero ? cutoffIn : TimeSpan.Zero, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cutoff.Token);
        cancellationToken = linked.Token;
        var records = sqsEvent.Records;
        var tasks = new Task<bool>[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            tasks[i] = Task.Run(() => ProcessRecordAsync(record, deadline, invocationId, cancellationToken), CancellationToken.None);
        }

        var retry = await Task.WhenAll(tasks).ConfigureAwait(false);
        var failures = new List<SqsBatchItemFailure>();
        for (var i = 0; i < records.Count; i++)
        {
            if (retry[i])
            {
                failures.Add(new SqsBatchItemFailure(records[i].MessageId));
            }
        }

        return new SqsBatchResponse(failures);
    }

    /// <summary>Processes one record; true when it must be retried.</summary>
    private async Task<bool> ProcessRecordAsync(SqsEventRecord record, DateTimeOffset deadline, string? invocationId, CancellationToken cancellationToken)
    {
        var receiveCount = record.Attributes.GetValueOrDefault("ApproximateReceiveCount");
        var (request, problem) = Parse(record.Body);
        if (request is null)
        {
            using (logger.BeginScope(new LogScope([new("sqsMessageId", record.MessageId), new("invocationId", invocationId), new("receiveCount", receiveCount)])))
            {
                LogPoison(logger, problem!);
            }

            return true;
        }

        using var scope = logger.BeginScope(new LogScope(
        [
            new("sqsMessageId", record.MessageId),
            new("invocationId", invocationId),
            new("receiveCount", receiveCount),
            new("conversationId", request.ConversationId),
            new("messageId", request.AssistantMessageId),
            new("requestId", request.RequestId),
            new("turn", request.Turn),
            new("traceparent", request.TraceParent),
        ]));
        try
        {
            var result = await processor.ProcessAsync(request, deadline, cancellationToken).ConfigureAwait(false);
            if (result.RetryRecord)
            {
                LogRetry(logger, result.Kind.ToString(), result.Detail);
            }

            return result.RetryRecord;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogAborted(logger);
            return true;
        }
        catch (Exception ex)
        {
            LogRecordFailed(logger, ex);
            return true;
        }
    }

    /// <summary>Reads and validates a queue message body; returns the problem in words when it is unusable.</summary>
    internal static (ChatTurnRequest? Request, string? Problem) Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, "empty body");
        }

        ChatTurnRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, ContractsJsonContext.Default.ChatTurnRequest);
        }
        catch (JsonException ex)
        {
            return (null, $"not a ChatTurnRequest: {ex.Message}");
        }

        if (request is null)
        {
            return (null, "not a ChatTurnRequest: null");
        }

        if (request.V != 1)
        {
            return (null, $"unsupported version {request.V}");
        }

        var problem = Check(request.ConversationId, "conversationId")
            ?? Check(request.AssistantMessageId, "assistantMessageId")
            ?? Check(request.UserMessageId, "userMessageId")
            ?? (string.IsNullOrWhiteSpace(request.RequestId) || request.RequestId.Length > 128 ? "requestId must be 1-128 characters" : null)
            ?? (request.Turn < 1 ? "turn must be at least 1" : null);
        return problem is null ? (request, null) : (null, problem);

        static string? Check(string id, string name) => ChannelIds.Explain(id) is { } why ? $"{name} {why}" : null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Poison message ({Problem}); failing the record so the queue moves it to the DLQ after its max receives")]
    private static partial void LogPoison(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Record will be retried: {Kind} {Detail}")]
    private static partial void LogRetry(ILogger logger, string kind, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The record did not finish before the handler's cut-off (the invocation deadline minus the response margin); it will be retried")]
    private static partial void LogAborted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing the record failed; it will be retried")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception);
}
