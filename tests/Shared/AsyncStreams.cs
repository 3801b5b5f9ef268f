namespace AppSyncChat.Testing;

/// <summary>Reading async streams in tests with a bound on real time (never a sleep).</summary>
public static class AsyncStreams
{
    /// <summary>
    /// Reads the first <paramref name="count"/> items, or with a count of 0 every item to the end of the stream; throws
    /// <see cref="OperationCanceledException"/> when <paramref name="timeout"/> passes first.
    /// </summary>
    public static async Task<List<T>> TakeAsync<T>(this IAsyncEnumerable<T> source, int count, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var list = new List<T>();
        using var cts = new CancellationTokenSource(timeout);
        await foreach (var item in source.WithCancellation(cts.Token))
        {
            list.Add(item);
            if (list.Count == count)
            {
                break;
            }
        }

        return list;
    }
}
