namespace AppSyncChat.Aws.Sqs;

/// <summary>
/// The SQS operations AppSyncChat uses (JSON 1.0 protocol). Narrow on purpose: the day AWSSDK.SQS is
/// available, an adapter over <c>IAmazonSQS</c> can take this place.
/// </summary>
public interface ISqsClient
{
    Task<string> CreateQueueAsync(string queueName, IReadOnlyDictionary<string, string>? attributes, CancellationToken cancellationToken);

    Task<string> GetQueueUrlAsync(string queueName, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<string, string>> GetQueueAttributesAsync(string queueUrl, IReadOnlyList<string> attributeNames, CancellationToken cancellationToken);

    /// <summary>Sends one message and returns its MessageId (MD5 of body and attributes verified).</summary>
    Task<string> SendMessageAsync(SqsSendRequest request, CancellationToken cancellationToken);

    /// <summary>Receives up to <see cref="SqsReceiveRequest.MaxNumberOfMessages"/> messages (long polling when WaitTimeSeconds &gt; 0).</summary>
    Task<IReadOnlyList<SqsMessage>> ReceiveMessagesAsync(SqsReceiveRequest request, CancellationToken cancellationToken);

    Task DeleteMessageAsync(string queueUrl, string receiptHandle, CancellationToken cancellationToken);

    /// <summary>Deletes up to 10 messages; returns the ids of entries that failed (empty when all succeeded).</summary>
    Task<IReadOnlyList<SqsBatchEntryError>> DeleteMessageBatchAsync(string queueUrl, IReadOnlyList<SqsDeleteEntry> entries, CancellationToken cancellationToken);

    Task ChangeMessageVisibilityAsync(string queueUrl, string receiptHandle, int visibilityTimeoutSeconds, CancellationToken cancellationToken);
}

public sealed record SqsMessageAttribute(string DataType, string? StringValue = null, byte[]? BinaryValue = null);

public sealed record SqsSendRequest(string QueueUrl, string Body)
{
    public IReadOnlyDictionary<string, SqsMessageAttribute>? MessageAttributes { get; init; }

    /// <summary>X-Ray trace header sent as the <c>AWSTraceHeader</c> system attribute.</summary>
    public string? AwsTraceHeader { get; init; }

    public int? DelaySeconds { get; init; }
}

public sealed record SqsReceiveRequest(string QueueUrl)
{
    public int MaxNumberOfMessages { get; init; } = 1;

    public int WaitTimeSeconds { get; init; }

    public int? VisibilityTimeout { get; init; }
}

public sealed record SqsMessage(
    string MessageId,
    string ReceiptHandle,
    string Body,
    string Md5OfBody,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, SqsMessageAttribute> MessageAttributes,
    string? Md5OfMessageAttributes);

public sealed record SqsDeleteEntry(string Id, string ReceiptHandle);

public sealed record SqsBatchEntryError(string Id, bool SenderFault, string Code, string? Message);
