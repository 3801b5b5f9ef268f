using System.Text;
using System.Text.RegularExpressions;

namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>
/// Client-side checks of channel paths, operation ids and events (docs/aws-protocols.md §1.6, §1.7), so a bad
/// call fails with a clear typed error before anything is sent.
/// </summary>
public static partial class EventsChannelRules
{
    // The documented channel regex: 1–5 segments of 1–50 [A-Za-z0-9-], no leading/trailing dash,
    // optional leading and trailing slash.
    [GeneratedRegex(@"^/?[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?(?:/[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?){0,4}/?$", RegexOptions.CultureInvariant)]
    private static partial Regex ChannelPattern();

    [GeneratedRegex("^[a-zA-Z0-9-_+]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex OperationIdPattern();

    /// <summary>A concrete channel a publish may target (no wildcard).</summary>
    public static bool IsPublishChannel(string? channel) => channel is not null && ChannelPattern().IsMatch(channel);

    /// <summary>A channel a subscribe may target: a concrete channel, or one ending in a <c>*</c> segment.</summary>
    public static bool IsSubscribeChannel(string? channel)
    {
        if (channel is null)
        {
            return false;
        }

        var trimmed = channel.EndsWith('/') ? channel[..^1] : channel;
        if (trimmed.EndsWith("/*", StringComparison.Ordinal))
        {
            var prefix = trimmed[..^2];
            return prefix.Length > 0 && prefix != "/" && ChannelPattern().IsMatch(prefix) && SegmentCount(prefix) < 5;
        }

        return IsPublishChannel(channel);
    }

    public static bool IsOperationId(string? id) => id is not null && OperationIdPattern().IsMatch(id);

    internal static void ValidatePublish(string channel, IReadOnlyList<string> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!IsPublishChannel(channel))
        {
            throw EventsErrors.Validation(EventsErrors.ClientCodes.InvalidChannel,
                $"'{channel}' is not a publishable channel: 1–5 segments of 1–50 letters, digits or '-', no wildcard.");
        }

        if (events.Count == 0)
        {
            throw EventsErrors.Validation(EventsErrors.ClientCodes.NoEvents, "A publish needs at least one event.");
        }

        if (events.Count > EventsWireNames.Limits.MaxEventsPerPublish)
        {
            throw EventsErrors.Validation(EventsErrors.ClientCodes.TooManyEvents,
                $"A publish carries at most {EventsWireNames.Limits.MaxEventsPerPublish} events; got {events.Count}. Split the batch.");
        }

        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (string.IsNullOrEmpty(e))
            {
                throw EventsErrors.Validation(EventsErrors.ClientCodes.InvalidEvent, $"Event {i} is empty; each event is one JSON value as text.");
            }

            var bytes = Encoding.UTF8.GetByteCount(e);
            if (bytes > EventsWireNames.Limits.MaxEventBytes)
            {
                throw EventsErrors.Validation(EventsErrors.ClientCodes.EventTooLarge,
                    $"Event {i} is {bytes} bytes; AppSync Events accepts at most {EventsWireNames.Limits.MaxEventBytes} bytes (240 KB) per event.");
            }
        }
    }

    internal static void ValidateSubscribe(string channel)
    {
        if (!IsSubscribeChannel(channel))
        {
            throw EventsErrors.Validation(EventsErrors.ClientCodes.InvalidChannel,
                $"'{channel}' is not a subscribable channel: 1–5 segments of 1–50 letters, digits or '-', optionally ending in '/*'.");
        }
    }

    private static int SegmentCount(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries).Length;
}
