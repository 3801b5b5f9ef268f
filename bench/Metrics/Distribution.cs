namespace AppSyncChat.Bench.Metrics;

/// <summary>Summary of a set of samples (milliseconds unless named otherwise).</summary>
public sealed record Distribution
{
    public int Count { get; init; }

    public double Mean { get; init; }

    public double P50 { get; init; }

    public double P90 { get; init; }

    public double P99 { get; init; }

    public double Max { get; init; }

    public double Min { get; init; }

    /// <summary>The 0th..100th percentiles (101 values), for the charts; empty when there are no samples.</summary>
    public double[] Percentiles { get; init; } = [];

    public static Distribution Of(List<double> samples)
    {
        if (samples.Count == 0)
        {
            return new Distribution();
        }

        samples.Sort();
        var percentiles = new double[101];
        for (var i = 0; i <= 100; i++)
        {
            percentiles[i] = Round(At(samples, i / 100.0));
        }

        return new Distribution
        {
            Count = samples.Count,
            Mean = Round(samples.Average()),
            P50 = Round(At(samples, 0.50)),
            P90 = Round(At(samples, 0.90)),
            P99 = Round(At(samples, 0.99)),
            Max = Round(samples[^1]),
            Min = Round(samples[0]),
            Percentiles = percentiles,
        };
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    private static double At(List<double> sorted, double q)
    {
        var rank = (int)Math.Ceiling(q * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    private static double Round(double value) => Math.Round(value, 2);
}
