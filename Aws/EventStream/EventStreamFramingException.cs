namespace AppSyncChat.Aws.EventStream;

/// <summary>What was wrong with the bytes of an event stream.</summary>
public enum EventStreamFramingError
{
    /// <summary>The prelude CRC (over the first 8 bytes) does not match.</summary>
    PreludeChecksum,

    /// <summary>The message CRC (over the whole message) does not match.</summary>
    MessageChecksum,

    /// <summary>The stream ended in the middle of a message.</summary>
    Truncated,

    /// <summary>Lengths or headers that cannot be decoded.</summary>
    Malformed,
}

/// <summary>
/// The byte stream is not a valid <c>application/vnd.amazon.eventstream</c>. The stream must be treated as
/// terminated (Smithy event-stream spec); nothing after the bad frame is delivered.
/// </summary>
public sealed class EventStreamFramingException : Exception
{
    public EventStreamFramingException(EventStreamFramingError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    public EventStreamFramingError Error { get; }
}
