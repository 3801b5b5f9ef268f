namespace AppSyncChat.Testing;

/// <summary>
/// Waits for asynchronous code under test (or a real server) to reach a state: polls a condition with a real-time
/// deadline and fails the test naming what it waited for. Never a fixed sleep.
/// </summary>
public static class Eventually
{
    /// <summary>The deadline when a test gives none.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);

    public static Task TrueAsync(Func<bool> condition, string what = "the condition") =>
        TrueAsync(condition, DefaultTimeout, what);

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? state = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return TrueAsync(() => Task.FromResult(condition()), timeout, what, state);
    }

    /// <param name="state">Describes the system when the deadline passes (appended to the failure message).</param>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? state = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"Timed out after {timeout} waiting for {what}. {state?.Invoke()}");
            }

            await Task.Delay(Poll);
        }
    }
}
