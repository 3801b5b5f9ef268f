using System.Text.Json.Serialization;

namespace AppSyncChat.Aws.Lambda;

// The Lambda SQS event source's event and partial batch response (camelCase keys on the wire), standing
// in for Amazon.Lambda.SQSEvents, which the registry lacks.

public sealed record SqsEvent([property: JsonPropertyName("Records")] IReadOnlyList<SqsEventRecord> Records);

public sealed record SqsEventRecord
{
    public required string MessageId { get; init; }

    public required string ReceiptHandle { get; init; }

    public required string Body { get; init; }

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, SqsEventMessageAttribute> MessageAttributes { get; init; } = new Dictionary<string, SqsEventMessageAttribute>();

    public string? Md5OfBody { get; init; }

    public string? Md5OfMessageAttributes { get; init; }

    public string EventSource { get; init; } = "aws:sqs";

    [JsonPropertyName("eventSourceARN")]
    public string? EventSourceArn { get; init; }

    public string? AwsRegion { get; init; }
}

public sealed record SqsEventMessageAttribute
{
    public required string DataType { get; init; }

    public string? StringValue { get; init; }

    public string? BinaryValue { get; init; }

    public IReadOnlyList<string> StringListValues { get; init; } = [];

    public IReadOnlyList<string> BinaryListValues { get; init; } = [];
}

/// <summary>Partial batch response: only the listed records are retried; an empty list means all succeeded.</summary>
public sealed record SqsBatchResponse(IReadOnlyList<SqsBatchItemFailure> BatchItemFailures);

public sealed record SqsBatchItemFailure(string ItemIdentifier);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(SqsBatchResponse))]
public sealed partial class LambdaEventsJsonContext : JsonSerializerContext;
