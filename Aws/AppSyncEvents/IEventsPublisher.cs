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
}

public sealed record PublishedEvent(string Identifier, int Index);

public sealed record FailedEvent(string? Identifier, int Index, int? Code, string? Message);
