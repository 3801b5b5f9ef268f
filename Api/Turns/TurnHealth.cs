using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Conversations.Model;

namespace AppSyncChat.Api.Turns;

/// <summary>When an unfinished turn counts as abandoned (no worker will finish it on its own).</summary>
public static class TurnHealth
{
    /// <summary>
    /// QUEUED and untouched for <paramref name="after"/>, or STREAMING with a lease that expired
    /// <paramref name="after"/> ago (long enough for a queue redelivery to take it over first).
    /// </summary>
    public static bool IsAbandoned(ChatMessage message, DateTimeOffset now, TimeSpan after)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Status switch
        {
            MessageStatus.Queued => now - message.UpdatedAt >= after,
            MessageStatus.Streaming => now - (message.Lease?.ExpiresAt ?? message.UpdatedAt) >= after,
            _ => false,
        };
    }

    /// <summary>STREAMING with no live lease: no worker is running it right now.</summary>
    public static bool HasNoLiveWorker(ChatMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Status == MessageStatus.Streaming && (message.Lease is null || message.Lease.ExpiresAt <= now);
    }
}
