namespace AppSyncChat.Conversations.Table;

/// <summary>
/// DynamoDB's item size limit and what it leaves for a message's text. Every write of a message item
/// (checkpoint, finish) stores the whole text, so an answer must stay below
/// <see cref="MaxMessageTextBytes"/> or its writes fail.
/// </summary>
public static class ItemLimits
{
    /// <summary>DynamoDB's maximum item size: 400 KB, attribute names and values in UTF-8 together.</summary>
    public const int MaxItemBytes = 400 * 1024;

    /// <summary>
    /// Room kept for every other attribute of a message item and all attribute names. The largest is the
    /// <c>settings</c> map: a system prompt of up to 10,000 UTF-16 code units is at most 30,000 UTF-8 bytes,
    /// plus the model id (≤ 256). Keys, ids, status, turn, seq, checksum (64), lease owner, <c>finishedBy</c>,
    /// timestamps, usage, stop reason and an error message together stay under 2 KB. 40 KB leaves more than
    /// 8 KB to spare.
    /// </summary>
    public const int ReservedForOtherAttributesBytes = 40 * 1024;

    /// <summary>The largest message text, in UTF-8 bytes, that any message item can store: 368,640 bytes.</summary>
    public const int MaxMessageTextBytes = MaxItemBytes - ReservedForOtherAttributesBytes;
}
