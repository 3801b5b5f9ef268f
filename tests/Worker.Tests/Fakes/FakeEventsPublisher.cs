using System.Text.Json;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Worker.Tests.Fakes;

/// <summary>Records every publish; can hold publishes (a slow channel) and fail chosen events.</summary>
public sealed class FakeEventsPublisher : IEventsPublisher
{
    private readonly Lock _gate = new();
    private readonly List<Publish> _publishes = [];
    private TaskCompletionSource? _hold;

    public sealed record Publish(string Channel, IReadOnlyList<string> Events);

    /// <summary>Decides per call (0-based) which event indexes fail; null = all succeed.</summary>
    public Func<int, IReadOnlyList<string>, IReadOnlyList<int>?>? FailIndexes { get; set; }

    /// <summary>Throws for a call (0-based) when it returns an exception.</summary>
    public Func<int, Exception?>? ThrowOn { get; set; }

    public int InFlight { get; private set; }

    public int MaxInFlight { get; private set; }

    public IReadOnlyList<Publish> Publishes
    {
        get
        {
            lock (_gate)
            {
                return [.. _publishes];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _publishes.Count;
            }
        }
    }

    /// <summary>Every event that was accepted, decoded, in publish order.</summary>
    public List<StreamEvent> Delivered { get; } = [];

    /// <summary>Holds every publish until <see cref="Release"/> (publishes are recorded when they start).</summary>
    public void Hold()
    {
        lock (_gate)
        {
            _hold ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Release()
    {
        TaskCompletionSource? hold;
        lock (_gate)
        {
            hold = _hold;
            _hold = null;
        }

        hold?.TrySetResult();
    }

    public async Task<EventsPublishResult> PublishAsync(string channel, IReadOnlyList<string> events, CancellationToken cancellationToken)
    {
        Task? hold;
        int call;
        lock (_gate)
        {
            Assert.InRange(events.Count, 1, StreamEventTypes.MaxEventsPerPublish);
            call = _publishes.Count;
            _publishes.Add(new Publish(channel, [.. events]));
            InFlight++;
            MaxInFlight = Math.Max(MaxInFlight, InFlight);
            hold = _hold?.Task;
        }

        try
        {
            if (hold is not null)
            {
                await hold.WaitAsync(cancellationToken);
            }

            if (ThrowOn?.Invoke(call) is { } exception)
            {
                throw exception;
            }

            var failed = FailIndexes?.Invoke(call, events) ?? [];
            lock (_gate)
            {
                for (var i = 0; i < events.Count; i++)
                {
                    if (!failed.Contains(i))
                    {
                        Delivered.Add(Decode(events[i]));
                    }
                }
            }

            return new EventsPublishResult(
                [.. Enumerable.Range(0, events.Count).Where(i => !failed.Contains(i)).Select(i => new PublishedEvent($"id-{call}-{i}", i))],
                [.. failed.Select(i => new FailedEvent(null, i, 400, "rejected by the test"))]);
        }
        finally
        {
            lock (_gate)
            {
                InFlight--;
            }
        }
    }

    public List<StreamEvent> DeliveredSnapshot()
    {
        lock (_gate)
        {
            return [.. Delivered];
        }
    }

    public static StreamEvent Decode(string json) => JsonSerializer.Deserialize(json, ContractsJsonContext.Default.StreamEvent)!;
}
