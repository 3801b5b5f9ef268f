using System.Runtime.CompilerServices;
using Amazon.Runtime.EventStreams;
using Amazon.Runtime.EventStreams.Internal;

namespace AppSyncChat.Aws.EventStream;

/// <summary>
/// Reads <c>application/vnd.amazon.eventstream</c> messages from a byte stream (typically an HTTP
/// response body) as they arrive, using AWSSDK.Core's <see cref="EventStreamDecoder"/> (prelude and
/// message CRCs are checked there).
/// </summary>
public static class EventStreamReader
{
    private const int BufferSize = 16 * 1024;

    /// <summary>
    /// Yields each complete message as soon as its last byte has been read. Cancelling the token cancels
    /// the pending read (for an HTTP response that aborts the connection's read at once).
    /// </summary>
    /// <exception cref="EventStreamFramingException">A CRC mismatch, undecodable bytes, or a stream ending inside a message.</exception>
    public static async IAsyncEnumerable<EventStreamMessage> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var ready = new Queue<EventStreamMessage>();
        using var decoder = new EventStreamDecoder();
        decoder.MessageReceived += (_, e) => ready.Enqueue(e.Message);

        var buffer = new byte[BufferSize];
        long fed = 0, consumed = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            fed += read;
            Feed(decoder, buffer, read);
            while (ready.TryDequeue(out var message))
            {
                consumed += WireLength(message);
                yield return message;
            }
        }

        if (fed != consumed)
        {
            throw new EventStreamFramingException(
                EventStreamFramingError.Truncated,
                $"The event stream ended inside a message ({fed - consumed} bytes of an incomplete message).");
        }
    }

    private static void Feed(EventStreamDecoder decoder, byte[] buffer, int count)
    {
        try
        {
            // AWSSDK.Core quirk: ProcessData with a non-zero offset emits nothing, so always pass offset 0.
            decoder.ProcessData(buffer, 0, count);
        }
        catch (EventStreamChecksumFailureException ex)
        {
            var error = ex.Message.Contains("prelude", StringComparison.OrdinalIgnoreCase)
                ? EventStreamFramingError.PreludeChecksum
                : EventStreamFramingError.MessageChecksum;
            throw new EventStreamFramingException(error, $"Event stream checksum mismatch: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is EventStreamParseException or EventStreamDecoderIllegalStateException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw new EventStreamFramingException(EventStreamFramingError.Malformed, $"Undecodable event stream: {ex.Message}", ex);
        }
    }

    // total_length = 12-byte prelude + headers + payload + 4-byte message CRC.
    private static long WireLength(EventStreamMessage message)
    {
        long headers = 0;
        foreach (var header in message.Headers.Values)
        {
            headers += header.GetWireSize();
        }

        return 16 + headers + (message.Payload?.Length ?? 0);
    }
}
