using AppSyncChat.Testing;

namespace AppSyncChat.Worker.Tests.Fakes;

/// <summary>Waiting for asynchronous code under test to reach a state (conditions, never fixed sleeps).</summary>
public static class Wait
{
    /// <summary>Lets queued continuations run (a few thread-pool turns).</summary>
    public static Task Settle() => ManualTimeProvider.SettleAsync();

    public static async Task UntilAsync(Func<bool> condition, string? what = null, TimeSpan? timeout = null)
    {
        var limit = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > limit)
            {
                throw new TimeoutException($"Timed out waiting for {what ?? "the condition"}.");
            }

            await Task.Delay(1);
        }
    }
}
