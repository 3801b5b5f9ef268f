namespace AppSyncChat.Contracts.Conversations;

/// <summary>
/// States of a message, as stored and as returned by GraphQL (enum <c>MessageStatus</c>).
/// Assistant messages move QUEUED → STREAMING → one of the final states; user messages are COMPLETED.
/// </summary>
public static class MessageStatus
{
    public const string Queued = "QUEUED";
    public const string Streaming = "STREAMING";
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";
    public const string Cancelled = "CANCELLED";
    public const string Interrupted = "INTERRUPTED";

    public static bool IsFinal(string status) =>
        status is Completed or Failed or Cancelled or Interrupted;
}
