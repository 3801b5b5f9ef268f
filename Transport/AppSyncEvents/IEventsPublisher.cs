using System.Text.Json;

namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>
/// Publishes events to one AppSync Events channel (HTTP <c>POST /event</c>). Each element of
/// <c>events</c> is one event already serialized to JSON text; at most 5 per call. A call returns once
/// the service answered: HTTP 200 may still report per-event failures in <see cref="EventsPublishResult.Failed"/>.
/// Implementations retry throttling, 5xx and transport failures themselves, and a call does not return
/// before its request is settled, so a caller that awaits each publish has one request in flight at a time.
/// A retry can deliver events twice (an earlier attempt may have reached the service), events listed in
/// <see cref="EventsPublishResult.Failed"/> are not retried here, and the order in which the service delivers
/// events to subscribers is not documented (docs/aws-protocols.md §1.2): subscribers must tolerate
/// duplicates and reordering.
/// </summary>
public interface IEventsPublisher
{
    Task<EventsPublishResult> PublishAsync(string channel, IReadOnlyList<string> events, CancellationToken cancellationToken);
}

public sealed record EventsPublishResult(IReadOnlyList<PublishedEvent> Successful, IReadOnlyList<FailedEvent> Failed)
{
    public bool AllSucceeded => Failed.Count == 0;

    /// <summary>
    /// Reads a publish answer's <c>{"successful":[{identifier,index}],"failed":[{identifier,index,code,message}]}</c>
    /// (HTTP body or WebSocket <c>publish_success</c>); throws <see cref="JsonException"/> when it is not that shape.
    /// </summary>
    internal static EventsPublishResult Parse(JsonElement root, int count)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The publish answer is not a JSON object.");
        }

        var successful = new List<PublishedEvent>();
        var failed = new List<FailedEvent>();
        if (root.TryGetProperty(EventsWireNames.Fields.Successful, out var ok) && ok.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in ok.EnumerateArray())
            {
                successful.Add(new PublishedEvent(StringOf(item, EventsWireNames.Fields.Identifier) ?? string.Empty, IndexOf(item, count)));
            }
        }

        if (root.TryGetProperty(EventsWireNames.Fields.Failed, out var bad) && bad.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in bad.EnumerateArray())
            {
                int? code = item.TryGetProperty(EventsWireNames.Fields.Code, out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var ci) ? ci : null;
                failed.Add(new FailedEvent(StringOf(item, EventsWireNames.Fields.Identifier), IndexOf(item, count), code, StringOf(item, EventsWireNames.Fields.Message)));
            }
        }

        return new EventsPublishResult(successful, failed);
    }

    private static string? StringOf(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int IndexOf(JsonElement item, int count)
    {
        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(EventsWireNames.Fields.Index, out var v)
            && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var index) && index >= 0 && index < count)
        {
            return index;
        }

        throw new JsonException($"A result item has no valid 'index' (0..{count - 1}).");
    }
}

public sealed record PublishedEvent(string Identifier, int Index);

public sealed record FailedEvent(string? Identifier, int Index, int? Code, string? Message);
