using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;
using StoredMessage = AppSyncChat.Conversations.Model.ChatMessage;

namespace AppSyncChat.Worker.Tests.Fakes;

/// <summary>An in-memory <see cref="ITurnStore"/> for one conversation, recording every write.</summary>
public sealed class FakeTurnStore : ITurnStore
{
    private readonly Lock _gate = new();
    private volatile bool _cancelRequested;

    public FakeTurnStore(params StoredMessage[] history)
    {
        History = [.. history];
    }

    public List<StoredMessage> History { get; }

    /// <summary>What the next claim returns; Claimed by default.</summary>
    public ClaimResult Claim { get; set; } = new(ClaimStatus.Claimed, null);

    public Exception? ClaimThrows { get; set; }

    public Func<Exception?>? FinishThrows { get; set; }

    public bool CheckpointLeaseLost { get; set; }

    /// <summary>Called with the number of the checkpoint write (1-based); an exception returned is thrown by that write.</summary>
    public Func<int, Exception?>? CheckpointThrows { get; set; }

    /// <summary>Called with the number of the cancel-flag read (1-based); an exception returned is thrown by that read.</summary>
    public Func<int, Exception?>? CancelPollThrows { get; set; }

    public List<(int Turn, TurnLease Lease)> Claims { get; } = [];

    public List<Checkpoint> Checkpoints { get; } = [];

    public TurnOutcome? Outcome { get; private set; }

    public int CancelPolls { get; private set; }

    public void RequestCancel() => _cancelRequested = true;

    public Task<ClaimResult> ClaimAsync(string conversationId, string messageId, int turn, TurnLease lease, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Claims.Add((turn, lease));
        }

        return ClaimThrows is { } ex ? Task.FromException<ClaimResult>(ex) : Task.FromResult(Claim);
    }

    public Task<IReadOnlyList<StoredMessage>> LoadHistoryAsync(string conversationId, string beforeMessageId, int maxMessages, int maxCharacters, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredMessage>>([.. History.TakeLast(maxMessages)]);

    public Task<bool> CheckpointAsync(string conversationId, string messageId, Checkpoint checkpoint, TurnLease lease, CancellationToken cancellationToken)
    {
        int number;
        lock (_gate)
        {
            Checkpoints.Add(checkpoint);
            number = Checkpoints.Count;
        }

        return CheckpointThrows?.Invoke(number) is { } ex ? Task.FromException<bool>(ex) : Task.FromResult(!CheckpointLeaseLost);
    }

    public Task<bool> IsCancelRequestedAsync(string conversationId, string messageId, CancellationToken cancellationToken)
    {
        int number;
        lock (_gate)
        {
            number = ++CancelPolls;
        }

        return CancelPollThrows?.Invoke(number) is { } ex ? Task.FromException<bool>(ex) : Task.FromResult(_cancelRequested);
    }

    public Task<bool> FinishAsync(string conversationId, string messageId, TurnOutcome outcome, TurnLease lease, CancellationToken cancellationToken)
    {
        if (FinishThrows?.Invoke() is { } ex)
        {
            return Task.FromException<bool>(ex);
        }

        lock (_gate)
        {
            Outcome = outcome;
        }

        return Task.FromResult(true);
    }

    public List<Checkpoint> CheckpointsSnapshot()
    {
        lock (_gate)
        {
            return [.. Checkpoints];
        }
    }

    public static StoredMessage User(string id, string text) => new()
    {
        ConversationId = "conv-1",
        MessageId = id,
        Role = Roles.User,
        Text = text,
        Status = MessageStatus.Completed,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    public static StoredMessage Assistant(string id, string text, string status = MessageStatus.Completed, int turn = 1) => new()
    {
        ConversationId = "conv-1",
        MessageId = id,
        Role = Roles.Assistant,
        Text = text,
        Status = status,
        Turn = turn,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };
}
