using System.Runtime.CompilerServices;
using System.Text.Json;
using Amazon.Runtime.EventStreams;
using AppSyncChat.Aws.EventStream;

namespace AppSyncChat.Aws.Bedrock;

/// <summary>An open ConverseStream response. Disposing it aborts the HTTP response (the model stops being read).</summary>
public sealed class ConverseStreamResponse : IDisposable
{
    private readonly HttpResponseMessage _response;
    private int _read;

    internal ConverseStreamResponse(HttpResponseMessage response)
    {
        _response = response;
        RequestId = BedrockErrors.RequestIdOf(response.Headers);
    }

    /// <summary>The <c>x-amzn-RequestId</c> of the call.</summary>
    public string? RequestId { get; }

    /// <summary>
    /// The events in arrival order; each is yielded as soon as its frame is complete. A stream exception
    /// ends the sequence with a <see cref="BedrockRuntimeException"/>. Can be enumerated once.
    /// </summary>
    public async IAsyncEnumerable<ConverseStreamEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _read, 1) != 0)
        {
            throw new InvalidOperationException("The ConverseStream events can be read only once.");
        }

        // Cancelling the token must abort the read promptly even if the transport ignores it.
        await using var registration = cancellationToken.Register(static state => ((HttpResponseMessage)state!).Dispose(), _response).ConfigureAwait(false);
        Stream body;
        try
        {
            body = await _response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw BedrockErrors.FromTransport(ex, BedrockErrorPhase.InStream, RequestId);
        }

        await using var messages = EventStreamReader.ReadAsync(body, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            EventStreamMessage message;
            try
            {
                if (!await messages.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }

                message = messages.Current;
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                // The registration above disposed the response under the read: report the cancellation, not the fallout.
                throw new OperationCanceledException("The ConverseStream read was cancelled.", ex, cancellationToken);
            }
            catch (EventStreamFramingException ex)
            {
                throw BedrockErrors.FromFraming(ex, RequestId);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or ObjectDisposedException)
            {
                throw BedrockErrors.FromTransport(ex as HttpRequestException ?? new HttpRequestException(ex.Message, ex), BedrockErrorPhase.InStream, RequestId);
            }

            var item = Decode(message);
            if (item is not null)
            {
                yield return item;
            }
        }
    }

    public void Dispose() => _response.Dispose();

    private ConverseStreamEvent? Decode(EventStreamMessage message)
    {
        var messageType = message.GetString(EventStreamHeaders.MessageType) ?? EventStreamHeaders.MessageTypeEvent;
        var payload = message.Payload ?? [];
        switch (messageType)
        {
            case EventStreamHeaders.MessageTypeException:
                throw BedrockErrors.FromStreamException(message.GetString(EventStreamHeaders.ExceptionType) ?? "unknownException", payload, RequestId);
            case EventStreamHeaders.MessageTypeError:
                throw BedrockErrors.FromStreamError(message.GetString(EventStreamHeaders.ErrorCode), message.GetString(EventStreamHeaders.ErrorMessage), RequestId);
            case EventStreamHeaders.MessageTypeEvent:
                break;
            default:
                return null; // Unknown message types are ignored (forward compatibility).
        }

        var eventType = message.GetString(EventStreamHeaders.EventType) ?? string.Empty;
        try
        {
            return (ConverseStreamEvent?)(eventType switch
            {
                BedrockWireNames.MessageStart => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.MessageStartEvent),
                BedrockWireNames.ContentBlockStart => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.ContentBlockStartEvent),
                BedrockWireNames.ContentBlockDelta => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.ContentBlockDeltaEvent),
                BedrockWireNames.ContentBlockStop => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.ContentBlockStopEvent),
                BedrockWireNames.MessageStop => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.MessageStopEvent),
                BedrockWireNames.Metadata => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.MetadataEvent),
                _ => new UnknownStreamEvent(eventType, payload) as ConverseStreamEvent,
            }) ?? throw new JsonException($"The '{eventType}' event payload is null.");
        }
        catch (JsonException ex)
        {
            throw BedrockErrors.FromFraming(ex, RequestId);
        }
    }
}
