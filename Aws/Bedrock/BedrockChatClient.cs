using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace AppSyncChat.Aws.Bedrock;

/// <summary>
/// Bedrock Runtime as an <see cref="IChatClient"/>: <see cref="GetResponseAsync"/> is Converse,
/// <see cref="GetStreamingResponseAsync"/> is ConverseStream. The mapping is documented in README.md;
/// Bedrock-specific values (raw stop reason, latency, cache token counts) travel in
/// <c>AdditionalProperties</c> and every update's <c>RawRepresentation</c> is the Bedrock event.
/// </summary>
public sealed class BedrockChatClient : IChatClient
{
    /// <summary>Key of the raw Bedrock stop reason in <c>AdditionalProperties</c> (e.g. <c>end_turn</c>, <c>tool_use</c>).</summary>
    public const string StopReasonKey = "stopReason";

    /// <summary>Key of <c>metrics.latencyMs</c> in <c>AdditionalProperties</c>.</summary>
    public const string LatencyMsKey = "latencyMs";

    /// <summary>Keys of the cache token counts in <see cref="UsageDetails.AdditionalCounts"/>.</summary>
    public const string CacheReadInputTokensKey = "cacheReadInputTokens";

    public const string CacheWriteInputTokensKey = "cacheWriteInputTokens";

    private readonly BedrockRuntimeClient _client;
    private readonly string? _defaultModelId;
    private readonly bool _disposeClient;

    public BedrockChatClient(BedrockRuntimeClient client, string? defaultModelId = null, bool disposeClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _defaultModelId = defaultModelId;
        _disposeClient = disposeClient;
        Metadata = new ChatClientMetadata("aws.bedrock", client.Endpoint, defaultModelId);
    }

    public ChatClientMetadata Metadata { get; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var modelId = ModelIdOf(options);
        var request = BedrockChatMapping.ToRequest(messages, options, this);
        var response = await _client.ConverseAsync(modelId, request, cancellationToken).ConfigureAwait(false);

        var contents = new List<AIContent>();
        foreach (var block in response.Output?.Message?.Content ?? [])
        {
            if (BedrockChatMapping.ToContent(block) is { } content)
            {
                contents.Add(content);
            }
        }

        var message = new ChatMessage(ChatRole.Assistant, contents) { MessageId = response.RequestId, RawRepresentation = response.Output?.Message };
        var result = new ChatResponse(message)
        {
            ResponseId = response.RequestId,
            ModelId = modelId,
            FinishReason = BedrockChatMapping.ToFinishReason(response.StopReason),
            Usage = response.Usage is null ? null : BedrockChatMapping.ToUsage(response.Usage),
            RawRepresentation = response,
            AdditionalProperties = [],
        };
        if (response.StopReason is not null)
        {
            result.AdditionalProperties[StopReasonKey] = response.StopReason;
        }

        if (response.Metrics is not null)
        {
            result.AdditionalProperties[LatencyMsKey] = response.Metrics.LatencyMs;
        }

        return result;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var modelId = ModelIdOf(options);
        var request = BedrockChatMapping.ToRequest(messages, options, this);
        using var stream = await _client.StartConverseStreamAsync(modelId, request, cancellationToken).ConfigureAwait(false);
        var toolBlocks = new Dictionary<int, (string Id, string Name, StringBuilder Input)>();

        await foreach (var item in stream.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            ChatResponseUpdate? update = null;
            switch (item)
            {
                case MessageStartEvent:
                    update = NewUpdate([]);
                    break;
                case ContentBlockStartEvent { Start.ToolUse: { } tool } start:
                    toolBlocks[start.ContentBlockIndex] = (tool.ToolUseId, tool.Name, new StringBuilder());
                    break;
                case ContentBlockDeltaEvent { Delta: { } delta } blockDelta:
                    // Text deltas need no contentBlockStart: the service often sends none for text blocks
                    // (docs/aws-protocols.md §2.4, UNCONFIRMED), so blocks are keyed by index and text is emitted as it comes.
                    if (delta.Text is { } text)
                    {
                        update = NewUpdate([new TextContent(text)]);
                    }
                    else if (delta.ToolUse is { } toolDelta && toolBlocks.TryGetValue(blockDelta.ContentBlockIndex, out var block))
                    {
                        block.Input.Append(toolDelta.Input);
                    }
                    else if (delta.ReasoningContent is { } reasoning)
                    {
                        update = NewUpdate([new TextReasoningContent(reasoning.Text ?? string.Empty) { ProtectedData = reasoning.Signature ?? reasoning.RedactedContent }]);
                    }

                    break;
                case ContentBlockStopEvent stop when toolBlocks.Remove(stop.ContentBlockIndex, out var finished):
                    update = NewUpdate([BedrockChatMapping.ToFunctionCall(finished.Id, finished.Name, finished.Input.ToString())]);
                    break;
                case MessageStopEvent messageStop:
                    update = NewUpdate([]);
                    update.FinishReason = BedrockChatMapping.ToFinishReason(messageStop.StopReason);
                    update.AdditionalProperties = new() { [StopReasonKey] = messageStop.StopReason };
                    break;
                case MetadataEvent metadata:
                    update = NewUpdate([new UsageContent(BedrockChatMapping.ToUsage(metadata.Usage))]);
                    if (metadata.Metrics is not null)
                    {
                        update.AdditionalProperties = new() { [LatencyMsKey] = metadata.Metrics.LatencyMs };
                    }

                    break;
                default:
                    break;
            }

            if (update is not null)
            {
                update.RawRepresentation = item;
                yield return update;
            }
        }

        ChatResponseUpdate NewUpdate(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
        {
            ResponseId = stream.RequestId,
            MessageId = stream.RequestId,
            ModelId = modelId,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? Metadata
            : serviceType == typeof(BedrockRuntimeClient) ? _client
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose()
    {
        if (_disposeClient)
        {
            _client.Dispose();
        }
    }

    private string ModelIdOf(ChatOptions? options) =>
        options?.ModelId ?? _defaultModelId ?? throw new ArgumentException("No model id: set ChatOptions.ModelId or the client's default model id.", nameof(options));
}
