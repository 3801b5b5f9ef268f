using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Streaming;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Publishing;

/// <summary>Counters of one turn's publishing (logged at the end of the turn; read by tests and the benchmark).</summary>
public sealed class PublishStats
{
    private long _requests;
    private long _eventsPublished;
    private long _eventsRepublished;
    private long _eventsDropped;

    public long Requests => Interlocked.Read(ref _requests);

    public long EventsPublished => Interlocked.Read(ref _eventsPublished);

    public long EventsRepublished => Interlocked.Read(ref _eventsRepublished);

    public long EventsDropped => Interlocked.Read(ref _eventsDropped);

    internal void Request() => Interlocked.Increment(ref _requests);

    internal void Published(int count) => Interlocked.Add(ref _eventsPublished, count);

    internal void Republished(int count) => Interlocked.Add(ref _eventsRepublished, count);

    internal void Dropped(int count) => Interlocked.Add(ref _eventsDropped, count);
}

/// <summary>
/// Sends one batch (at most 5 events, in seq order) to a channel and settles it before returning: events the
/// service reports in <c>failed[]</c> are sent again — only those, in their original order, at most
/// <c>maxRepublishAttempts</c> times; transport errors, 429 and 5xx are retried inside
/// <see cref="IEventsPublisher"/>. A caller that awaits each batch therefore never lets a later batch
/// overtake an earlier one, but what viewers receive is neither ordered nor exactly once: a re-sent event
/// reaches them after the accepted events of its batch (out of seq order, within those ≤ 5 events); a
/// retried request whose earlier attempt did reach the service delivers its events twice; and events still
/// failing when the retries give up are handed back to the caller (<see cref="EventCoalescer"/> sends them once
/// more with its next publish, then drops and counts them: a <c>seq</c> gap, because a turn must not die for a
/// viewer-side channel outage). Viewers order and deduplicate by (turn, seq) and re-fetch the snapshot on a gap
/// (docs/catch-up.md); the stored text is unaffected.
/// </summary>
internal sealed partial class EventBatchPublisher(
    IEventsPublisher inner,
    TimeProvider time,
    int maxRepublishAttempts,
    TimeSpan republishDelay,
    PublishStats stats,
    ILogger logger)
{
    /// <summary>Publishes <paramref name="events"/>; returns those that were not delivered (in seq order), empty when all were.</summary>
    public async Task<IReadOnlyList<StreamEvent>> PublishAsync(string channel, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return [];
        }

        if (events.Count > StreamEventTypes.MaxEventsPerPublish)
        {
            throw new ArgumentException($"At most {StreamEventTypes.MaxEventsPerPublish} events per publish.", nameof(events));
        }

        IReadOnlyList<string> pending = Serialize(events);
        IReadOnlyList<StreamEvent> pendingEvents = events;
        for (var attempt = 0; ; attempt++)
        {
            EventsPublishResult result;
            try
            {
                stats.Request();
                result = await inner.PublishAsync(channel, pending, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                LogPublishFailed(logger, ex, channel, pending.Count);
                return pendingEvents;
            }

            stats.Published(pending.Count - result.Failed.Count);
            if (result.AllSucceeded)
            {
                return [];
            }

            var retry = new List<string>(result.Failed.Count);
            var retryEvents = new List<StreamEvent>(result.Failed.Count);
            foreach (var failed in result.Failed.OrderBy(f => f.Index))
            {
                if (failed.Index >= 0 && failed.Index < pending.Count)
                {
                    retry.Add(pending[failed.Index]);
                    retryEvents.Add(pendingEvents[failed.Index]);
                }
            }

            var first = result.Failed[0];
            if (attempt + 1 > maxRepublishAttempts || retry.Count == 0)
            {
                LogEventsRejected(logger, channel, retry.Count, first.Code, first.Message);
                return retryEvents;
            }

            LogRepublishing(logger, channel, retry.Count, first.Code, first.Message, attempt + 1);
            stats.Republished(retry.Count);
            pending = retry;
            pendingEvents = retryEvents;
            if (republishDelay > TimeSpan.Zero)
            {
                await Task.Delay(republishDelay * (attempt + 1), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static string[] Serialize(IReadOnlyList<StreamEvent> events)
    {
        var serialized = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var json = JsonSerializer.Serialize(events[i], ContractsJsonContext.Default.StreamEvent);
            if (json.Length > StreamEventTypes.MaxEventBytes / 4 && Encoding.UTF8.GetByteCount(json) > StreamEventTypes.MaxEventBytes)
            {
                throw new InvalidOperationException($"A {events[i].GetType().Name} event of seq {events[i].Seq} exceeds {StreamEventTypes.MaxEventBytes} bytes; text must be split before publishing.");
            }

            serialized[i] = json;
        }

        return serialized;
    }

    /// <summary>Counts and logs events given up for good (viewers re-fetch the snapshot on the seq gap).</summary>
    public void Drop(string channel, int count)
    {
        stats.Dropped(count);
        LogEventsDropped(logger, channel, count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Count} events to {Channel} failed after the publisher's retries")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string channel, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AppSync rejected {Count} events on {Channel} (code {Code}: {Reason}); re-publishing them, attempt {Attempt}")]
    private static partial void LogRepublishing(ILogger logger, string channel, int count, int? code, string? reason, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AppSync kept rejecting {Count} events on {Channel} (code {Code}: {Reason})")]
    private static partial void LogEventsRejected(ILogger logger, string channel, int count, int? code, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropped {Count} events on {Channel} that could not be published (viewers re-fetch on the seq gap)")]
    private static partial void LogEventsDropped(ILogger logger, string channel, int count);
}
