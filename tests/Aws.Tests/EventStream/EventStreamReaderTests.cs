using Amazon.Runtime.EventStreams;
using Amazon.Runtime.EventStreams.Internal;
using AppSyncChat.Aws.EventStream;

namespace AppSyncChat.Aws.Tests.EventStream;

public sealed class EventStreamReaderTests
{
    // docs/aws-protocols.md §3.5 (botocore's empty-message vector and the Bedrock messageStart frame).
    private static readonly byte[] EmptyMessage = Convert.FromHexString("000000100000000005c248eb7d98c8ff");
    private static readonly byte[] MessageStart = Convert.FromHexString(
        "000000760000005296d5fade0d3a6d6573736167652d747970650700056576656e740b3a6576656e742d7479706507000c6d65737361676553746172740d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e7b22726f6c65223a22617373697374616e74227d1cc6be18");

    /// <summary>
    /// The AWSSDK.Core (4.1.1) behaviour <see cref="EventStreamReader"/> works around: <c>ProcessData</c> with a
    /// non-zero offset emits nothing, whether the frame starts there or continues a frame fed before. If this
    /// test fails, the SDK changed: the reader's "always offset 0" rule and its comments can be revisited.
    /// </summary>
    [Theory]
    [InlineData(0, 1)]
    [InlineData(7, 0)]
    public void AwsSdkDecoder_FrameAtOffset_EmitsOnlyAtOffsetZero(int offset, int expectedMessages)
    {
        var buffer = new byte[offset + MessageStart.Length];
        MessageStart.CopyTo(buffer, offset);

        Assert.Equal(expectedMessages, Decode(decoder => decoder.ProcessData(buffer, offset, MessageStart.Length)));
    }

    [Fact]
    public void AwsSdkDecoder_FrameSplitAndSecondPartFedAtItsOffset_EmitsNothing()
    {
        Assert.Equal(0, Decode(decoder =>
        {
            decoder.ProcessData(MessageStart, 0, 10);
            decoder.ProcessData(MessageStart, 10, MessageStart.Length - 10);
        }));
        Assert.Equal(1, Decode(decoder =>
        {
            decoder.ProcessData(MessageStart, 0, 10);
            decoder.ProcessData(MessageStart[10..], 0, MessageStart.Length - 10);
        }));
    }

    [Fact]
    public async Task ReadAsync_EmptyMessageVector_YieldsMessageWithoutHeadersOrPayload()
    {
        var messages = await ReadAllAsync(new MemoryStream(EmptyMessage));

        var message = Assert.Single(messages);
        Assert.Empty(message.Headers);
        Assert.True(message.Payload is null || message.Payload.Length == 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_MessageStartVector_DecodesHeadersAndPayload(bool byteByByte)
    {
        var bytes = MessageStart.Concat(EmptyMessage).Concat(MessageStart).ToArray();
        Stream stream = byteByByte ? new TrickleStream(bytes) : new MemoryStream(bytes);

        var messages = await ReadAllAsync(stream);

        Assert.Equal(3, messages.Count);
        Assert.Equal("event", messages[0].GetString(EventStreamHeaders.MessageType));
        Assert.Equal("messageStart", messages[0].GetString(EventStreamHeaders.EventType));
        Assert.Equal("application/json", messages[0].GetString(EventStreamHeaders.ContentType));
        Assert.Equal("{\"role\":\"assistant\"}", messages[0].PayloadText());
        Assert.Empty(messages[1].Headers);
        Assert.Equal("{\"role\":\"assistant\"}", messages[2].PayloadText());
    }

    [Fact]
    public async Task ReadAsync_ByteByByte_YieldsEachMessageAsSoonAsItsLastByteArrives()
    {
        var stream = new TrickleStream(MessageStart.Concat(MessageStart).ToArray());
        var positions = new List<long>();

        await foreach (var _ in EventStreamReader.ReadAsync(stream))
        {
            positions.Add(stream.Position);
        }

        Assert.Equal([MessageStart.Length, 2L * MessageStart.Length], positions);
    }

    [Fact]
    public void EncodeEvent_MessageStart_ReproducesPublishedFrame()
    {
        var frame = EventStreamMessages.EncodeEvent("messageStart", "{\"role\":\"assistant\"}"u8);

        Assert.Equal(Convert.ToHexStringLower(MessageStart), Convert.ToHexStringLower(frame));
    }

    [Fact]
    public async Task EncodeExceptionAndError_RoundTrip_KeepSemanticHeaders()
    {
        var bytes = EventStreamMessages.EncodeException("throttlingException", "{\"message\":\"slow down\"}"u8)
            .Concat(EventStreamMessages.EncodeError("InternalFailure", "boom"))
            .ToArray();

        var messages = await ReadAllAsync(new TrickleStream(bytes));

        Assert.Equal("exception", messages[0].GetString(EventStreamHeaders.MessageType));
        Assert.Equal("throttlingException", messages[0].GetString(EventStreamHeaders.ExceptionType));
        Assert.Equal("{\"message\":\"slow down\"}", messages[0].PayloadText());
        Assert.Equal("error", messages[1].GetString(EventStreamHeaders.MessageType));
        Assert.Equal("InternalFailure", messages[1].GetString(EventStreamHeaders.ErrorCode));
        Assert.Equal("boom", messages[1].GetString(EventStreamHeaders.ErrorMessage));
    }

    [Theory]
    [InlineData(8, EventStreamFramingError.PreludeChecksum)]
    [InlineData(117, EventStreamFramingError.MessageChecksum)]
    [InlineData(60, EventStreamFramingError.MessageChecksum)]
    public async Task ReadAsync_CorruptedChecksumOrBody_ThrowsTypedFramingError(int index, EventStreamFramingError expected)
    {
        var bytes = (byte[])MessageStart.Clone();
        bytes[index] ^= 0x01;

        foreach (var stream in new Stream[] { new MemoryStream(bytes), new TrickleStream(bytes) })
        {
            var error = await Assert.ThrowsAsync<EventStreamFramingException>(() => ReadAllAsync(stream));
            Assert.Equal(expected, error.Error);
        }
    }

    [Fact]
    public async Task ReadAsync_CorruptFrameAfterGoodOne_DeliversGoodOneThenThrows()
    {
        var bad = (byte[])MessageStart.Clone();
        bad[^1] ^= 0xFF;
        var delivered = new List<EventStreamMessage>();

        var error = await Assert.ThrowsAsync<EventStreamFramingException>(async () =>
        {
            await foreach (var message in EventStreamReader.ReadAsync(new TrickleStream(MessageStart.Concat(bad).ToArray())))
            {
                delivered.Add(message);
            }
        });

        Assert.Single(delivered);
        Assert.Equal(EventStreamFramingError.MessageChecksum, error.Error);
    }

    [Fact]
    public async Task ReadAsync_StreamEndsInsideMessage_ThrowsTruncated()
    {
        var bytes = MessageStart.Concat(MessageStart.Take(50)).ToArray();

        var error = await Assert.ThrowsAsync<EventStreamFramingException>(() => ReadAllAsync(new MemoryStream(bytes)));

        Assert.Equal(EventStreamFramingError.Truncated, error.Error);
    }

    [Fact]
    public async Task ReadAsync_CancelledWhileWaitingForBytes_StopsPromptly()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(MessageStart);
        using var cts = new CancellationTokenSource();
        var received = 0;

        var reading = Task.Run(async () =>
        {
            await foreach (var _ in EventStreamReader.ReadAsync(pipe.Reader.AsStream(), cts.Token))
            {
                received++;
                await cts.CancelAsync();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, received);
    }

    private static async Task<List<EventStreamMessage>> ReadAllAsync(Stream stream)
    {
        var list = new List<EventStreamMessage>();
        await foreach (var message in EventStreamReader.ReadAsync(stream))
        {
            list.Add(message);
        }

        return list;
    }

    /// <summary>Returns one byte per read, like a network that delivers a frame in pieces.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(1, count));
    }

    private static int Decode(Action<EventStreamDecoder> feed)
    {
        var messages = 0;
        var decoder = new EventStreamDecoder();
        decoder.MessageReceived += (_, _) => messages++;
        feed(decoder);
        return messages;
    }
}
