using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Publishing;
using AppSyncChat.Worker.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Produces one assistant turn: claim → prompt → stream → finish. Each step is a class of its own:
/// <see cref="TurnClaimer"/>, <see cref="PromptBuilder"/>, <see cref="ModelLoop"/> (watched by
/// <see cref="TurnSupervision"/>: deadline, watchdog, <see cref="CheckpointLoop"/>, <see cref="CancelPoll"/>) and
/// <see cref="TurnFinish"/>. Stateless between turns; one instance serves every record concurrently.
/// See <c>Worker/README.md</c> and <c>docs/worker-timeouts.md</c>, <c>docs/cancellation.md</c>.
/// </summary>
public sealed partial class TurnProcessor
{
    private readonly ITurnStore _store;
    private readonly IEventsPublisher _events;
    private readonly TurnOptions _options;
    private readonly IPublishPolicy _policy;
    private readonly string _defaultModelId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TurnClaimer _claimer;
    private readonly PromptBuilder _prompts;
    private readonly ModelLoop _model;
    private readonly TurnFinish _finish;

    public TurnProcessor(
        IChatClient chat,
        ITurnStore store,
        IEventsPublisher events,
        ToolRegistry tools,
        IModelErrorClassifier classifier,
        TurnOptions options,
        string defaultModelId,
        string workerId,
        TimeProvider time,
        ILogger logger,
        Func<double>? jitter = null,
        IPublishPolicy? publishPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(classifier);
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _defaultModelId = defaultModelId;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _policy = publishPolicy ?? new CoalescingPolicy(options.CoalesceWindow, options.CoalesceMaxChars);
        _claimer = new TurnClaimer(store, options, workerId, time, logger);
        _prompts = new PromptBuilder(store, tools, options);
        _model = new ModelLoop(chat, classifier, new ToolRunner(tools, options.ToolTimeout, time, logger), options, time, jitter ?? Random.Shared.NextDouble, logger);
        _finish = new TurnFinish(store, time, logger);
    }

    /// <summary>The tuning this processor runs with.</summary>
    public TurnOptions Options => _options;

    /// <summary>When text becomes events: <see cref="CoalescingPolicy"/> unless the benchmark plugged in a baseline.</summary>
    public IPublishPolicy PublishPolicy => _policy;

    /// <summary>The clock of every timer and timestamp of a turn.</summary>
    public TimeProvider Time => _time;

    /// <summary>
    /// Runs one turn. <paramref name="deadline"/> is the invocation's hard deadline; <paramref name="cancellationToken"/>
    /// fires at that deadline (or on host shutdown). Never throws for a turn that failed on the model's side:
    /// that is a stored FAILED/INTERRUPTED state. Throws only when the request itself is invalid.
    /// </summary>
    public async Task<TurnResult> ProcessAsync(ChatTurnRequest request, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var claim = await _claimer.ClaimAsync(request, deadline, cancellationToken).ConfigureAwait(false);
        if (!claim.IsClaimed)
        {
            return claim.NoTurn;
        }

        var turn = claim.Turn;
        var stats = new PublishStats();
        var publisher = new EventBatchPublisher(_events, _time, _options.MaxRepublishAttempts, _options.RepublishDelay, stats, _logger);
        await using var events = new EventCoalescer(turn.Id, ChatChannels.ForConversation(turn.Id.ConversationId), turn.StartText, _policy, publisher, _time);
        using var supervision = new TurnSupervision(turn, events, _store, _options, _time, _logger, cancellationToken);
        var modelId = request.Settings?.ModelId ?? _defaultModelId;
        var startedAt = _time.GetTimestamp();
        StartEvents(turn, events, modelId, cancellationToken);

        var ending = await supervision.RunAsync(() => PromptAndStreamAsync(turn, modelId, events, supervision, cancellationToken)).ConfigureAwait(false);
        if (ending is TurnEnding.Abandoned)
        {
            return await _finish.AbandonAsync(turn, events).ConfigureAwait(false);
        }

        var (result, outcome) = await _finish.StoreAndAnnounceAsync(turn, events, ending, cancellationToken).ConfigureAwait(false);
        // The turn's summary line: a turn whose stop button or checkpoints failed along the way ends at Warning.
        var level = supervision.CheckpointFailures + supervision.CancelPollFailures + stats.EventsDropped > 0 ? LogLevel.Warning : LogLevel.Information;
        var elapsedMs = (long)_time.GetElapsedTime(startedAt).TotalMilliseconds;
        LogTurnEnded(_logger, level, outcome.Status, (ending as TurnEnding.Failed)?.ErrorCode, outcome.Text.Length, stats.EventsPublished, stats.Requests, stats.EventsDropped, supervision.CheckpointFailures, supervision.CancelPollFailures, elapsedMs);
        return result;
    }

    /// <summary>Starts publishing the turn's events with <c>turn.started</c> (at the kept prefix's length).</summary>
    private static void StartEvents(ClaimedTurn turn, EventCoalescer events, string modelId, CancellationToken hostToken)
    {
        events.Start(hostToken);
        events.Enqueue((t, seq) => new TurnStarted
        {
            ConversationId = t.ConversationId,
            MessageId = t.MessageId,
            Turn = t.Turn,
            Seq = seq,
            Offset = turn.StartText.Length,
            ModelId = modelId,
            RequestedAtMs = turn.Request.RequestedAtMs > 0 ? turn.Request.RequestedAtMs : null,
        });
    }

    /// <summary>Steps 2 and 3, under the turn's supervision: the prompt, then the model's answer into the events.</summary>
    private async Task<TurnEnding> PromptAndStreamAsync(ClaimedTurn turn, string modelId, EventCoalescer events, TurnSupervision supervision, CancellationToken hostToken)
    {
        var abort = supervision.Abort;
        if (await _store.IsCancelRequestedAsync(turn.Id.ConversationId, turn.Id.MessageId, abort.Token).ConfigureAwait(false))
        {
            return TurnEnding.CancelRequested;
        }

        var prompt = await _prompts.BuildAsync(turn, modelId, abort.Token).ConfigureAwait(false);
        if (prompt is null)
        {
            return new TurnEnding.Failed(TurnErrorCodes.InvalidConversation, "The conversation has no user message to answer.", Retryable: false);
        }

        return await _model.RunAsync(turn, prompt, events, supervision, hostToken).ConfigureAwait(false);
    }

    [LoggerMessage(Message = "Turn ended {Status} ({ErrorCode}): {Length} characters, {Events} events in {Publishes} publishes, {Dropped} dropped, {CheckpointFailures} checkpoint failures, {CancelPollFailures} cancel-poll failures, {ElapsedMs} ms")]
    private static partial void LogTurnEnded(ILogger logger, LogLevel level, string status, string? errorCode, int length, long events, long publishes, long dropped, int checkpointFailures, int cancelPollFailures, long elapsedMs);
}
