using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.AppSyncEvents;

namespace AppSyncChat.Local.AppSyncEvents;

/// <summary>One subscription of one connection, with its precomputed data-frame prefix.</summary>
internal sealed class EmulatorSubscription(string id, string channel, string? wildcardPrefix, EmulatorConnection connection)
{
    public string Id { get; } = id;

    /// <summary>Normalized pattern: <c>/ns/a</c> or <c>/ns/a/*</c>.</summary>
    public string Channel { get; } = channel;

    public string? WildcardPrefix { get; } = wildcardPrefix;

    public EmulatorConnection Connection { get; } = connection;

    /// <summary><c>{"type":"data","id":"…","event":</c>, serialized once for the subscription's life.</summary>
    public byte[] DataPrefix { get; } = EmulatorWire.DataPrefix(id);
}

/// <summary>Per-event publish outcome, as the <c>successful</c>/<c>failed</c> arrays report it.</summary>
internal readonly record struct PublishItem(int Index, string Identifier, int? Code, string? Message)
{
    public bool Succeeded => Code is null;
}

/// <summary>
/// Subscription index and fan-out. Exact channels and wildcard prefixes are looked up in two dictionaries
/// (a publish to <c>/a/b/c</c> checks the exact entry plus the prefixes <c>/a</c> and <c>/a/b</c>); lists are
/// copy-on-write arrays so publishes never take a lock. Each event is JSON-quoted once per publish and each
/// data frame built once per subscription, then handed to the connection's bounded send queue: a slow
/// viewer never blocks the publisher or other viewers (its connection is closed when the queue is full).
/// </summary>
internal sealed class EventsBroker(AppSyncEventsEmulatorOptions options, EmulatorStats stats)
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, EmulatorSubscription[]> _exact = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EmulatorSubscription[]> _wildcard = new(StringComparer.Ordinal);

    public void Add(EmulatorSubscription subscription)
    {
        var (index, key) = IndexOf(subscription);
        lock (_gate)
        {
            index[key] = index.TryGetValue(key, out var existing) ? [.. existing, subscription] : [subscription];
        }

        stats.Subscribed();
    }

    public void Remove(EmulatorSubscription subscription)
    {
        var (index, key) = IndexOf(subscription);
        lock (_gate)
        {
            if (!index.TryGetValue(key, out var existing))
            {
                return;
            }

            var remaining = existing.Where(s => !ReferenceEquals(s, subscription)).ToArray();
            if (remaining.Length == existing.Length)
            {
                return;
            }

            if (remaining.Length == 0)
            {
                index.TryRemove(key, out _);
            }
            else
            {
                index[key] = remaining;
            }
        }

        stats.Unsubscribed();
    }

    /// <summary>Checks each event (size, JSON), fans the accepted ones out, and reports every event's outcome.</summary>
    public PublishItem[] Publish(string channel, IReadOnlyList<string> events)
    {
        var targets = Match(channel);
        var results = new PublishItem[events.Count];
        long outbound = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var identifier = Guid.NewGuid().ToString();
            var text = events[i];
            var size = Encoding.UTF8.GetByteCount(text);
            if (size > EventsWireNames.Limits.MaxEventBytes)
            {
                results[i] = new PublishItem(i, identifier, 400, $"Event size {size} bytes exceeds the limit of {EventsWireNames.Limits.MaxEventBytes} bytes (240 KB).");
                continue;
            }

            if (!IsJson(text))
            {
                results[i] = new PublishItem(i, identifier, 400, "Event is not valid JSON.");
                continue;
            }

            results[i] = new PublishItem(i, identifier, null, null);
            if (targets.Count == 0)
            {
                continue;
            }

            var quoted = EmulatorWire.QuotedEvent(text);
            foreach (var subscription in targets)
            {
                var frame = EmulatorWire.DataFrame(subscription.DataPrefix, quoted);
                if (frame.Length > options.MaxOutboundFrameBytes)
                {
                    stats.BroadcastError();
                    subscription.Connection.Enqueue(EmulatorWire.ErrorFrame(
                        EventsWireNames.MessageTypes.BroadcastError, subscription.Id, EventsWireNames.ErrorTypes.MessageProcessing,
                        $"The data message ({frame.Length} bytes) exceeds the outbound limit of {options.MaxOutboundFrameBytes} bytes."));
                    continue;
                }

                if (subscription.Connection.Enqueue(frame))
                {
                    outbound++;
                }
            }
        }

        stats.Outbound(outbound);
        return results;
    }

    private List<EmulatorSubscription> Match(string channel)
    {
        var targets = new List<EmulatorSubscription>();
        if (_exact.TryGetValue(channel, out var exact))
        {
            targets.AddRange(exact);
        }

        if (!_wildcard.IsEmpty)
        {
            for (var slash = channel.IndexOf('/', 1); slash > 0; slash = channel.IndexOf('/', slash + 1))
            {
                if (_wildcard.TryGetValue(channel[..slash], out var wildcard))
                {
                    targets.AddRange(wildcard);
                }
            }
        }

        return targets;
    }

    private (ConcurrentDictionary<string, EmulatorSubscription[]> Index, string Key) IndexOf(EmulatorSubscription s) =>
        s.WildcardPrefix is { } prefix ? (_wildcard, prefix) : (_exact, s.Channel);

    private static bool IsJson(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
