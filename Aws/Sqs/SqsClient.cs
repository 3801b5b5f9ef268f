using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using AppSyncChat.Aws.Signing;

namespace AppSyncChat.Aws.Sqs;

/// <summary>
/// SQS over the AWS JSON 1.0 protocol (<c>X-Amz-Target: AmazonSQS.&lt;Op&gt;</c>), signed with SigV4 by the
/// <see cref="HttpClient"/> it is given. Verifies the MD5 digests SQS returns. Does not retry: every failure is
/// an <see cref="SqsException"/> whose <see cref="SqsException.IsRetryable"/> tells the caller whether to.
/// </summary>
public sealed class SqsClient : ISqsClient, IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new(SqsWireNames.ContentType);
    private static readonly List<string> AllNames = [SqsWireNames.SystemAttributes.All];

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly bool _ownsClient;

    /// <param name="httpClient">A client that signs requests for the <c>sqs</c> service (see <see cref="SignedHttpClientFactory"/>) and has no timeout shorter than a long poll.</param>
    /// <param name="endpoint">The service endpoint, e.g. <c>https://sqs.us-east-1.amazonaws.com/</c> or a local emulator.</param>
    public SqsClient(HttpClient httpClient, Uri endpoint, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri)
        {
            throw new ArgumentException("The SQS endpoint must be an absolute URI.", nameof(endpoint));
        }

        _http = httpClient;
        _endpoint = endpoint;
        _ownsClient = ownsClient;
    }

    /// <summary>A client with its own signed <see cref="HttpClient"/>; <paramref name="endpoint"/> null means the regional AWS endpoint.</summary>
    public static SqsClient Create(AWSCredentials credentials, string region, Uri? endpoint = null, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        var http = SignedHttpClientFactory.Create(credentials, region, SqsWireNames.SigningName, innerHandler);
        return new SqsClient(http, endpoint ?? DefaultEndpoint(region), ownsClient: true);
    }

    public static Uri DefaultEndpoint(string region) => new($"https://sqs.{region}.amazonaws.com/");

    public async Task<string> CreateQueueAsync(string queueName, IReadOnlyDictionary<string, string>? attributes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        var request = new WireCreateQueueRequest
        {
            QueueName = queueName,
            Attributes = attributes is { Count: > 0 } ? new Dictionary<string, string>(attributes, StringComparer.Ordinal) : null,
        };
        var response = await SendAsync(SqsWireNames.Operations.CreateQueue, request, SqsJsonContext.Default.WireCreateQueueRequest, SqsJsonContext.Default.WireQueueUrlResponse, cancellationToken).ConfigureAwait(false);
        return Require(response.Value.QueueUrl, SqsWireNames.Operations.CreateQueue, response.RequestId);
    }

    public async Task<string> GetQueueUrlAsync(string queueName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        var response = await SendAsync(SqsWireNames.Operations.GetQueueUrl, new WireGetQueueUrlRequest { QueueName = queueName }, SqsJsonContext.Default.WireGetQueueUrlRequest, SqsJsonContext.Default.WireQueueUrlResponse, cancellationToken).ConfigureAwait(false);
        return Require(response.Value.QueueUrl, SqsWireNames.Operations.GetQueueUrl, response.RequestId);
    }

    public async Task<IReadOnlyDictionary<string, string>> GetQueueAttributesAsync(string queueUrl, IReadOnlyList<string> attributeNames, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueUrl);
        ArgumentNullException.ThrowIfNull(attributeNames);
        var request = new WireGetQueueAttributesRequest
        {
            QueueUrl = queueUrl,
            AttributeNames = attributeNames.Count == 0 ? [SqsWireNames.QueueAttributes.All] : [.. attributeNames],
        };
        var response = await SendAsync(SqsWireNames.Operations.GetQueueAttributes, request, SqsJsonContext.Default.WireGetQueueAttributesRequest, SqsJsonContext.Default.WireGetQueueAttributesResponse, cancellationToken).ConfigureAwait(false);
        return response.Value.Attributes ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    public async Task<string> SendMessageAsync(SqsSendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.QueueUrl);
        ArgumentNullException.ThrowIfNull(request.Body);
        if (request.DelaySeconds is < 0 or > 900)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.DelaySeconds, "DelaySeconds must be 0–900.");
        }

        SqsMessageAttributeValidation.Validate(request.MessageAttributes);
        Dictionary<string, SqsMessageAttribute>? systemAttributes = null;
        if (!string.IsNullOrEmpty(request.AwsTraceHeader))
        {
            systemAttributes = new(StringComparer.Ordinal)
            {
                [SqsWireNames.SystemAttributes.AwsTraceHeader] = new(SqsWireNames.DataTypes.String, request.AwsTraceHeader),
            };
        }

        var wire = new WireSendMessageRequest
        {
            QueueUrl = request.QueueUrl,
            MessageBody = request.Body,
            DelaySeconds = request.DelaySeconds,
            MessageAttributes = ToWire(request.MessageAttributes),
            MessageSystemAttributes = ToWire(systemAttributes),
        };
        var response = await SendAsync(SqsWireNames.Operations.SendMessage, wire, SqsJsonContext.Default.WireSendMessageRequest, SqsJsonContext.Default.WireSendMessageResponse, cancellationToken).ConfigureAwait(false);
        var result = response.Value;
        var messageId = Require(result.MessageId, SqsWireNames.Operations.SendMessage, response.RequestId);

        Verify("the sent message body", result.MD5OfMessageBody, SqsMd5.OfBody(request.Body), required: true, response.RequestId);
        var attributesMd5 = SqsMd5.OfAttributes(request.MessageAttributes);
        if (attributesMd5 is not null)
        {
            Verify("the sent message attributes", result.MD5OfMessageAttributes, attributesMd5, required: true, response.RequestId);
        }

        var systemMd5 = SqsMd5.OfAttributes(systemAttributes);
        if (systemMd5 is not null)
        {
            // Some emulators omit this digest; when present it must match.
            Verify("the sent message system attributes", result.MD5OfMessageSystemAttributes, systemMd5, required: false, response.RequestId);
        }

        return messageId;
    }

    public async Task<IReadOnlyList<SqsMessage>> ReceiveMessagesAsync(SqsReceiveRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.QueueUrl);
        if (request.MaxNumberOfMessages is < 1 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.MaxNumberOfMessages, "MaxNumberOfMessages must be 1–10.");
        }

        if (request.WaitTimeSeconds is < 0 or > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.WaitTimeSeconds, "WaitTimeSeconds must be 0–20.");
        }

        if (request.VisibilityTimeout is < 0 or > 43200)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.VisibilityTimeout, "VisibilityTimeout must be 0–43200.");
        }

        var wire = new WireReceiveMessageRequest
        {
            QueueUrl = request.QueueUrl,
            MaxNumberOfMessages = request.MaxNumberOfMessages,
            WaitTimeSeconds = request.WaitTimeSeconds,
            VisibilityTimeout = request.VisibilityTimeout,
            MessageSystemAttributeNames = AllNames,
            AttributeNames = AllNames,
            MessageAttributeNames = AllNames,
        };
        var response = await SendAsync(SqsWireNames.Operations.ReceiveMessage, wire, SqsJsonContext.Default.WireReceiveMessageRequest, SqsJsonContext.Default.WireReceiveMessageResponse, cancellationToken).ConfigureAwait(false);
        if (response.Value.Messages is not { Count: > 0 } messages)
        {
            return [];
        }

        var result = new List<SqsMessage>(messages.Count);
        foreach (var message in messages)
        {
            result.Add(FromWire(message, response.RequestId));
        }

        return result;
    }

    public async Task DeleteMessageAsync(string queueUrl, string receiptHandle, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(receiptHandle);
        await SendAsync(SqsWireNames.Operations.DeleteMessage, new WireDeleteMessageRequest { QueueUrl = queueUrl, ReceiptHandle = receiptHandle }, SqsJsonContext.Default.WireDeleteMessageRequest, SqsJsonContext.Default.WireEmpty, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SqsBatchEntryError>> DeleteMessageBatchAsync(string queueUrl, IReadOnlyList<SqsDeleteEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueUrl);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count is < 1 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries.Count, "A batch holds 1–10 entries.");
        }

        if (entries.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count() != entries.Count)
        {
            throw new ArgumentException("Batch entry ids must be distinct.", nameof(entries));
        }

        var wire = new WireDeleteMessageBatchRequest
        {
            QueueUrl = queueUrl,
            Entries = [.. entries.Select(e => new WireDeleteEntry { Id = e.Id, ReceiptHandle = e.ReceiptHandle })],
        };
        var response = await SendAsync(SqsWireNames.Operations.DeleteMessageBatch, wire, SqsJsonContext.Default.WireDeleteMessageBatchRequest, SqsJsonContext.Default.WireBatchResponse, cancellationToken).ConfigureAwait(false);
        var failed = response.Value.Failed;
        if (failed is not { Count: > 0 })
        {
            return [];
        }

        return [.. failed.Select(f => new SqsBatchEntryError(f.Id ?? "", f.SenderFault, f.Code ?? SqsWireNames.ErrorCodes.Unknown, f.Message))];
    }

    public async Task ChangeMessageVisibilityAsync(string queueUrl, string receiptHandle, int visibilityTimeoutSeconds, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(receiptHandle);
        ArgumentOutOfRangeException.ThrowIfNegative(visibilityTimeoutSeconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(visibilityTimeoutSeconds, 43200);
        var wire = new WireChangeMessageVisibilityRequest { QueueUrl = queueUrl, ReceiptHandle = receiptHandle, VisibilityTimeout = visibilityTimeoutSeconds };
        await SendAsync(SqsWireNames.Operations.ChangeMessageVisibility, wire, SqsJsonContext.Default.WireChangeMessageVisibilityRequest, SqsJsonContext.Default.WireEmpty, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _http.Dispose();
        }
    }

    private async Task<(TResponse Value, string? RequestId)> SendAsync<TRequest, TResponse>(
        string operation, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
        where TResponse : new()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint);
        message.Headers.TryAddWithoutValidation(SqsWireNames.TargetHeader, SqsWireNames.TargetPrefix + operation);
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, requestType));
        content.Headers.ContentType = JsonContentType;
        message.Content = content;

        HttpResponseMessage response;
        byte[] body;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            throw SqsErrors.Transport(operation, ex);
        }

        using (response)
        {
            var requestId = Header(response, SqsWireNames.RequestIdHeader);
            if (!response.IsSuccessStatusCode)
            {
                throw SqsErrors.FromResponse(response.StatusCode, Header(response, SqsWireNames.QueryErrorHeader), Header(response, SqsWireNames.ErrorTypeHeader), requestId, body);
            }

            // Operations without output may answer 200 with an empty body or `{}`.
            if (body.Length == 0 || body.AsSpan().Trim((byte)' ').IsEmpty)
            {
                return (new TResponse(), requestId);
            }

            try
            {
                var value = JsonSerializer.Deserialize(body, responseType);
                return (value ?? new TResponse(), requestId);
            }
            catch (JsonException ex)
            {
                throw SqsErrors.Malformed(operation, requestId, ex);
            }
        }
    }

    private static SqsMessage FromWire(WireMessage message, string? requestId)
    {
        var operation = SqsWireNames.Operations.ReceiveMessage;
        var messageId = Require(message.MessageId, operation, requestId);
        var receiptHandle = Require(message.ReceiptHandle, operation, requestId);
        var body = message.Body ?? "";
        var attributes = FromWire(message.MessageAttributes);

        var bodyMd5 = SqsMd5.OfBody(body);
        Verify($"the body of message {messageId}", message.MD5OfBody, bodyMd5, required: true, requestId);
        var attributesMd5 = SqsMd5.OfAttributes(attributes);
        if (attributesMd5 is not null)
        {
            Verify($"the attributes of message {messageId}", message.MD5OfMessageAttributes, attributesMd5, required: true, requestId);
        }

        return new SqsMessage(
            messageId,
            receiptHandle,
            body,
            message.MD5OfBody ?? bodyMd5,
            message.Attributes ?? new Dictionary<string, string>(StringComparer.Ordinal),
            attributes,
            message.MD5OfMessageAttributes);
    }

    private static Dictionary<string, WireMessageAttributeValue>? ToWire(IReadOnlyDictionary<string, SqsMessageAttribute>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return null;
        }

        var result = new Dictionary<string, WireMessageAttributeValue>(attributes.Count, StringComparer.Ordinal);
        foreach (var (name, value) in attributes)
        {
            result[name] = SqsMd5.IsBinary(value.DataType)
                ? new WireMessageAttributeValue { DataType = value.DataType, BinaryValue = value.BinaryValue }
                : new WireMessageAttributeValue { DataType = value.DataType, StringValue = value.StringValue };
        }

        return result;
    }

    private static Dictionary<string, SqsMessageAttribute> FromWire(Dictionary<string, WireMessageAttributeValue>? attributes)
    {
        var result = new Dictionary<string, SqsMessageAttribute>(StringComparer.Ordinal);
        if (attributes is null)
        {
            return result;
        }

        foreach (var (name, value) in attributes)
        {
            result[name] = new SqsMessageAttribute(value.DataType, value.StringValue, value.BinaryValue);
        }

        return result;
    }

    private static void Verify(string what, string? expected, string actual, bool required, string? requestId)
    {
        if (expected is null && !required)
        {
            return;
        }

        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw SqsErrors.ChecksumMismatch(what, expected, actual, requestId);
        }
    }

    private static string Require(string? value, string operation, string? requestId) =>
        string.IsNullOrEmpty(value) ? throw SqsErrors.Malformed(operation, requestId, null) : value;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
