using System.Globalization;

namespace AppSyncChat.Local.AppSyncEvents;

/// <summary>
/// Opt-in faults of the emulator's HTTP publish path, for fault campaigns (off unless set): a share of
/// publishes is throttled (HTTP 429, nothing delivered), fails with HTTP 500 before delivery, or fails with
/// HTTP 500 <b>after</b> the events were delivered — the case where a publisher's retry delivers them twice.
/// The draws come from one generator seeded with <see cref="Seed"/>, in arrival order: the same seed gives the
/// same sequence of decisions, though which publish meets which decision depends on timing.
/// </summary>
public sealed record EventsPublishFaults
{
    public int Seed { get; init; }

    /// <summary>Share (0–1) of publishes answered 429 <c>TooManyRequestsException</c> without delivering anything.</summary>
    public double ThrottleRate { get; init; }

    /// <summary>Share (0–1) of publishes answered 500 <c>InternalFailureException</c> without delivering anything.</summary>
    public double ServerErrorRate { get; init; }

    /// <summary>Share (0–1) of publishes delivered to subscribers and then answered 500 (a lost success).</summary>
    public double ServerErrorAfterDeliveryRate { get; init; }

    /// <summary>
    /// Transient faults only: a publish whose body already met a fault gets through when it is sent again (the
    /// publisher's retry). Off: every attempt draws anew, so a publish can fail all of its attempts.
    /// </summary>
    public bool RetriesSucceed { get; init; }

    /// <summary>
    /// Parses the compact form <c>seed=7,throttle=0.02,error=0.02,error-after-delivery=0.01</c> (for settings and
    /// tools; <c>dotnet run --project Local</c> has no flag for it); every key is optional, rates are 0–1 and sum to at most 1.
    /// </summary>
    public static EventsPublishFaults Parse(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        var faults = new EventsPublishFaults();
        foreach (var part in spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq > 0 ? part[..eq] : throw new FormatException($"Publish faults '{spec}': '{part}' is not key=value.");
            var value = part[(eq + 1)..];
            faults = key switch
            {
                "seed" => faults with { Seed = int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture) },
                "throttle" => faults with { ThrottleRate = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture) },
                "error" => faults with { ServerErrorRate = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture) },
                "error-after-delivery" => faults with { ServerErrorAfterDeliveryRate = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture) },
                "retries-succeed" => faults with { RetriesSucceed = bool.Parse(value) },
                _ => throw new FormatException($"Publish faults '{spec}': unknown key '{key}' (seed, throttle, error, error-after-delivery, retries-succeed)."),
            };
        }

        faults.Validate();
        return faults;
    }

    internal void Validate()
    {
        foreach (var (name, rate) in new[] { (nameof(ThrottleRate), ThrottleRate), (nameof(ServerErrorRate), ServerErrorRate), (nameof(ServerErrorAfterDeliveryRate), ServerErrorAfterDeliveryRate) })
        {
            if (double.IsNaN(rate) || rate is < 0 or > 1)
            {
                throw new ArgumentOutOfRangeException(name, rate, "A publish fault rate is between 0 and 1.");
            }
        }

        if (ThrottleRate + ServerErrorRate + ServerErrorAfterDeliveryRate > 1)
        {
            throw new ArgumentException("The publish fault rates add up to more than 1.");
        }
    }
}

/// <summary>What the fault generator decided for one publish.</summary>
internal enum PublishFault
{
    None,
    Throttle,
    ServerError,
    ServerErrorAfterDelivery,
}

/// <summary>The seeded draw per publish (thread-safe: publishes arrive concurrently).</summary>
internal sealed class PublishFaultDraw(EventsPublishFaults faults)
{
    private readonly Random _random = new(faults.Seed);
    private readonly Lock _gate = new();
    private readonly HashSet<string> _faulted = new(StringComparer.Ordinal);

    /// <param name="body">The publish request's body: with <see cref="EventsPublishFaults.RetriesSucceed"/>, the same body again is not faulted.</param>
    public PublishFault Next(ReadOnlySpan<byte> body)
    {
        var key = faults.RetriesSucceed ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body)) : null;
        var fault = Draw(key);
        if (key is not null && fault != PublishFault.None)
        {
            lock (_gate)
            {
                _faulted.Add(key);
            }
        }

        return fault;
    }

    private PublishFault Draw(string? key)
    {
        double draw;
        lock (_gate)
        {
            if (key is not null && _faulted.Remove(key))
            {
                return PublishFault.None; // the retry of a faulted publish gets through
            }

            draw = _random.NextDouble();
        }

        if (draw < faults.ThrottleRate)
        {
            return PublishFault.Throttle;
        }

        draw -= faults.ThrottleRate;
        if (draw < faults.ServerErrorRate)
        {
            return PublishFault.ServerError;
        }

        draw -= faults.ServerErrorRate;
        return draw < faults.ServerErrorAfterDeliveryRate ? PublishFault.ServerErrorAfterDelivery : PublishFault.None;
    }
}
