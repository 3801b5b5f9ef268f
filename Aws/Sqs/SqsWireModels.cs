using System.Text.Json.Serialization;

namespace AppSyncChat.Aws.Sqs;

// Request and response bodies of the AWS JSON 1.0 protocol. Member names are exactly the PascalCase
// model names (the serializer uses them as written); `tags` on CreateQueue would be lowercase.

internal sealed class WireMessageAttributeValue
{
    public string DataType { get; set; } = "";

    public string? StringValue { get; set; }

    /// <summary>Blob: base64 on the wire, which is how System.Text.Json writes a byte array.</summary>
    public byte[]? BinaryValue { get; set; }
}

internal sealed class WireCreateQueueRequest
{
    public required string QueueName { get; set; }

    public Dictionary<string, string>? Attributes { get; set; }
}

internal sealed class WireGetQueueUrlRequest
{
    public required string QueueName { get; set; }
}

internal sealed class WireQueueUrlResponse
{
    public string? QueueUrl { get; set; }
}

internal sealed class WireGetQueueAttributesRequest
{
    public required string QueueUrl { get; set; }

    public required List<string> AttributeNames { get; set; }
}

internal sealed class WireGetQueueAttributesResponse
{
    public Dictionary<string, string>? Attributes { get; set; }
}

internal sealed class WireSendMessageRequest
{
    public required string QueueUrl { get; set; }

    public required string MessageBody { get; set; }

    public int? DelaySeconds { get; set; }

    public Dictionary<string, WireMessageAttributeValue>? MessageAttributes { get; set; }

    public Dictionary<string, WireMessageAttributeValue>? MessageSystemAttributes { get; set; }
}

internal sealed class WireSendMessageResponse
{
    public string? MessageId { get; set; }

    public string? MD5OfMessageBody { get; set; }

    public string? MD5OfMessageAttributes { get; set; }

    public string? MD5OfMessageSystemAttributes { get; set; }

    public string? SequenceNumber { get; set; }
}

internal sealed class WireReceiveMessageRequest
{
    public required string QueueUrl { get; set; }

    public int MaxNumberOfMessages { get; set; }

    public int WaitTimeSeconds { get; set; }

    public int? VisibilityTimeout { get; set; }

    public List<string>? MessageSystemAttributeNames { get; set; }

    /// <summary>Deprecated alias of <see cref="MessageSystemAttributeNames"/>, still honoured by AWS and the only name some emulators read.</summary>
    public List<string>? AttributeNames { get; set; }

    public List<string>? MessageAttributeNames { get; set; }
}

internal sealed class WireReceiveMessageResponse
{
    public List<WireMessage>? Messages { get; set; }
}

internal sealed class WireMessage
{
    public string? MessageId { get; set; }

    public string? ReceiptHandle { get; set; }

    public string? MD5OfBody { get; set; }

    public string? Body { get; set; }

    public Dictionary<string, string>? Attributes { get; set; }

    public string? MD5OfMessageAttributes { get; set; }

    public Dictionary<string, WireMessageAttributeValue>? MessageAttributes { get; set; }
}

internal sealed class WireDeleteMessageRequest
{
    public required string QueueUrl { get; set; }

    public required string ReceiptHandle { get; set; }
}

internal sealed class WireDeleteMessageBatchRequest
{
    public required string QueueUrl { get; set; }

    public required List<WireDeleteEntry> Entries { get; set; }
}

internal sealed class WireDeleteEntry
{
    public required string Id { get; set; }

    public required string ReceiptHandle { get; set; }
}

internal sealed class WireBatchResponse
{
    public List<WireBatchSuccess>? Successful { get; set; }

    public List<WireBatchError>? Failed { get; set; }
}

internal sealed class WireBatchSuccess
{
    public string? Id { get; set; }
}

internal sealed class WireBatchError
{
    public string? Id { get; set; }

    public bool SenderFault { get; set; }

    public string? Code { get; set; }

    public string? Message { get; set; }
}

internal sealed class WireChangeMessageVisibilityRequest
{
    public required string QueueUrl { get; set; }

    public required string ReceiptHandle { get; set; }

    public int VisibilityTimeout { get; set; }
}

/// <summary>An awsJson1.0 error body: <c>__type</c> (full shape id) and lowercase <c>message</c> (some servers send <c>Message</c>).</summary>
internal sealed class WireError
{
    [JsonPropertyName("__type")]
    public string? Type { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("Message")]
    public string? MessageUpper { get; set; }
}

internal sealed class WireEmpty;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WireCreateQueueRequest))]
[JsonSerializable(typeof(WireGetQueueUrlRequest))]
[JsonSerializable(typeof(WireQueueUrlResponse))]
[JsonSerializable(typeof(WireGetQueueAttributesRequest))]
[JsonSerializable(typeof(WireGetQueueAttributesResponse))]
[JsonSerializable(typeof(WireSendMessageRequest))]
[JsonSerializable(typeof(WireSendMessageResponse))]
[JsonSerializable(typeof(WireReceiveMessageRequest))]
[JsonSerializable(typeof(WireReceiveMessageResponse))]
[JsonSerializable(typeof(WireDeleteMessageRequest))]
[JsonSerializable(typeof(WireDeleteMessageBatchRequest))]
[JsonSerializable(typeof(WireBatchResponse))]
[JsonSerializable(typeof(WireChangeMessageVisibilityRequest))]
[JsonSerializable(typeof(WireError))]
[JsonSerializable(typeof(WireEmpty))]
internal sealed partial class SqsJsonContext : JsonSerializerContext;
