namespace AppSyncChat.Client.CatchUp;

/// <summary>Timing and sizing of the catch-up algorithm. Defaults suit AppSync and the Local stack.</summary>
public sealed record CatchUpOptions
{
    /// <summary>
    /// How long a hole may wait for a missing event that could still arrive out of order (events of one
    /// publish are delivered as separate messages) before the snapshot is fetched. Default 300 ms.
    /// </summary>
    public TimeSpan GapGracePeriod { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// Delay before fetching the snapshot again when the previous one did not resolve the problem: this value for
    /// the first four tries, then doubling up to <see cref="MaxResnapshotBackoff"/>. Default 250 ms.
    /// </summary>
    public TimeSpan ResnapshotBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Largest delay between repeated snapshot fetches. Default 5 s.</summary>
    public TimeSpan MaxResnapshotBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With no event for this long while the message is not final, the snapshot is checked (a lost terminal
    /// event, a crashed worker). Default 15 s; <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    public TimeSpan IdleResnapshotAfter { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Messages fetched per snapshot (the newest); the whole conversation is fetched only when the message is older. Default 10.</summary>
    public int SnapshotMessageLimit { get; init; } = 10;

    /// <summary>Events kept for messages not yet followed (follow mode). Default 1000.</summary>
    public int MaxBufferedEventsPerMessage { get; init; } = 1000;

    internal void Validate()
    {
        if (GapGracePeriod < TimeSpan.Zero || ResnapshotBackoff <= TimeSpan.Zero || MaxResnapshotBackoff < ResnapshotBackoff)
        {
            throw new ArgumentException("CatchUpOptions: GapGracePeriod must be >= 0, ResnapshotBackoff > 0 and MaxResnapshotBackoff >= ResnapshotBackoff.");
        }

        if (SnapshotMessageLimit < 1 || MaxBufferedEventsPerMessage < 1)
        {
            throw new ArgumentException("CatchUpOptions: SnapshotMessageLimit and MaxBufferedEventsPerMessage must be at least 1.");
        }
    }
}

/// <summary>What to follow.</summary>
/// <param name="ConversationId">The conversation (its channel is <c>/chat/&lt;conversationId&gt;</c>).</param>
public sealed record FollowRequest(string ConversationId)
{
    /// <summary>The assistant message to follow; null follows the active one, or else the newest assistant message.</summary>
    public string? MessageId { get; init; }

    /// <summary>
    /// The user message <see cref="MessageId"/> answers, when the caller knows it (it just sent it). The follower can
    /// show the answer before reading the snapshot; the prompt then comes from here (else from that snapshot, later).
    /// </summary>
    public string? Prompt { get; init; }

    /// <summary>
    /// Keep following after the message finished: the next answer in the conversation (sent from anywhere)
    /// is followed too, until the caller cancels. Default false: the stream ends with the message.
    /// </summary>
    public bool FollowNewMessages { get; init; }
}
