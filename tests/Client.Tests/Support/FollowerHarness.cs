using System.Threading.Channels;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Testing;

namespace AppSyncChat.Client.Tests.Support;

/// <summary>Runs a <see cref="ConversationFollower"/> in the background and lets the test read its updates one by one.</summary>
public sealed class FollowerHarness : IAsyncDisposable
{
    private readonly Channel<ChatUpdate> _updates = Channel.CreateUnbounded<ChatUpdate>();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _safety = new(TimeSpan.FromSeconds(20));
    private readonly FollowRequest _request;
    private Task? _started;

    public FollowerHarness(FakeChatServer server, FollowRequest? request = null, CatchUpOptions? options = null)
    {
        Server = server;
        Clock = new ManualTimeProvider();
        Subscription = new ScriptedSubscription();
        Follower = new ConversationFollower(server, Subscription, options ?? new CatchUpOptions(), Clock) { BeforeWait = OnBeforeWait };
        _request = request ?? new FollowRequest(FakeChatServer.ConversationId) { MessageId = server.Answer.MessageId };
    }

    /// <summary>Started on first use, so a test can configure the server first.</summary>
    private Task Run => _started ??= RunAsync(_request);

    public FakeChatServer Server { get; }

    public ManualTimeProvider Clock { get; }

    public ScriptedSubscription Subscription { get; }

    public ConversationFollower Follower { get; }

    public List<ChatUpdate> Seen { get; } = [];

    public Exception? Error { get; private set; }

    /// <summary>The text a UI would show, built only from TextAppended and TextReset.</summary>
    public string Text { get; private set; } = "";

    public bool Ended => Run.IsCompleted;

    private async Task RunAsync(FollowRequest request)
    {
        await Task.Yield();
        try
        {
            await foreach (var update in Follower.FollowAsync(request, _stop.Token))
            {
                _updates.Writer.TryWrite(update);
            }

            _updates.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            Error = ex;
            _updates.Writer.TryComplete(ex);
        }
    }

    public async Task<ChatUpdate> NextAsync()
    {
        _ = Run;
        var update = await _updates.Reader.ReadAsync(_safety.Token);
        Apply(update);
        return update;
    }

    private void Apply(ChatUpdate update)
    {
        Seen.Add(update);
        Text = update switch
        {
            FollowingMessage => "",
            TextAppended a => Offset(a),
            TextReset r => r.Text,
            _ => Text,
        };
    }

    /// <summary>Takes in every update already produced (without waiting).</summary>
    public void TakeAvailable()
    {
        while (_updates.Reader.TryRead(out var update))
        {
            Apply(update);
        }
    }

    private string Offset(TextAppended a)
    {
        Assert.Equal(Text.Length, a.Offset);
        return Text + a.Text;
    }

    /// <summary>Reads until an update of type T (returning it), keeping every update in <see cref="Seen"/>.</summary>
    public async Task<T> NextOfAsync<T>()
        where T : ChatUpdate
    {
        while (true)
        {
            if (await NextAsync() is T match)
            {
                return match;
            }
        }
    }

    /// <summary>Reads to the end of the stream (the follower ended); returns the terminal update.</summary>
    public async Task<MessageFinished> FinishAsync()
    {
        var finished = Seen.OfType<MessageFinished>().LastOrDefault() ?? await NextOfAsync<MessageFinished>();
        await DrainToEndAsync();
        return finished;
    }

    public async Task DrainToEndAsync()
    {
        _ = Run;
        while (await _updates.Reader.WaitToReadAsync(_safety.Token))
        {
            await NextAsync();
        }
    }

    /// <summary>Advances the clock to the next armed timer that is at least <paramref name="atLeast"/> away.</summary>
    public async Task AdvanceToTimerAsync(TimeSpan atLeast)
    {
        var due = await Clock.WaitForTimerAsync(atLeast, _safety.Token);
        Clock.Advance(due - Clock.GetUtcNow());
    }

    private readonly Lock _idleGate = new();
    private int _handled = -1;
    private int _waits;
    private TaskCompletionSource _idleChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnBeforeWait(int handled)
    {
        TaskCompletionSource previous;
        lock (_idleGate)
        {
            _handled = handled;
            _waits++;
            previous = _idleChanged;
            _idleChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    /// <summary>
    /// Waits until the follower has handled every message published so far and waits for more: the
    /// deterministic sync point instead of a sleep.
    /// </summary>
    public Task WaitIdleAsync() => WaitIdleAsync(-1);

    private async Task WaitIdleAsync(int afterWaits)
    {
        var run = Run;
        var target = Subscription.Delivered;
        while (true)
        {
            Task changed;
            lock (_idleGate)
            {
                if ((_handled >= target && _waits > afterWaits) || run.IsCompleted)
                {
                    TakeAvailable();
                    return;
                }

                changed = _idleChanged.Task;
            }

            await Task.WhenAny(changed, run).WaitAsync(_safety.Token);
        }
    }

    /// <summary>
    /// Completes a held fetch (<see cref="FakeChatServer.HoldNextFetch"/>) once the follower has handled everything
    /// published, and waits until it has handled the snapshot too.
    /// </summary>
    public async Task ReleaseAsync(TaskCompletionSource hold)
    {
        await WaitIdleAsync();
        if (Run.IsCompleted)
        {
            hold.TrySetResult();
            return;
        }

        int waits;
        lock (_idleGate)
        {
            waits = _waits;
        }

        hold.TrySetResult();
        await WaitIdleAsync(waits);
    }

    /// <summary>Lets the clock run to the follower's next deadline (after it has settled).</summary>
    public async Task RunClockToNextDeadlineAsync()
    {
        await WaitIdleAsync();
        if (Run.IsCompleted)
        {
            return;
        }

        var due = Clock.NextDue() ?? throw new InvalidOperationException("The follower waits for input with no timer armed: it would never resynchronise.");
        int waits;
        lock (_idleGate)
        {
            waits = _waits;
        }

        Clock.Advance(due - Clock.GetUtcNow());
        await WaitIdleAsync(waits);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Run;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _safety.Dispose();
    }
}
