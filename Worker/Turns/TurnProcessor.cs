using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Aws.Bedrock;
using TokenUsage = AppSyncChat.Contracts.Streaming.TokenUsage;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Store;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Publishing;
using AppSyncChat.Worker.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Produces one assistant turn: claim → history → model stream (with tools) → coalesced events →
/// checkpoints → final state. Stateless between turns; one instance serves every record concurrently.
/// See <c>Worker/README.md</c> and <c>docs/worker-timeouts.md</c>, <c>docs/cancellation.md</c>.
/// </summary>
public sealed partial class TurnProcessor
{
    private readonly IChatClient _chat;
    private readonly ITurnStore _store;
    private readonly IEventsPublisher _events;
    private readonly ToolRegistry _tools;
    private readonly IModelErrorClassifier _classifier;
    private readonly TurnOptions _options;
    private readonly PublishPolicy _policy;
    private readonly string _defaultModelId;
    private readonly string _workerId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<double> _jitter;

    /// <summary>Consecutive failed cancel-flag reads (≈ 1 s at the default 250 ms poll) after which the failure is an Error.</summary>
    internal const int CancelPollEscalateAfter = 4;

    /// <summary>Consecutive failed checkpoints (≈ 3 s at the default interval) after which the failure is an Error.</summary>
    internal const int CheckpointEscalateAfter = 3;

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
        Func<double>? jitter = null)
    {
        _chat = chat ?? throw new ArgumentNullException(nameof(chat));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _tools = tools ?? throw new ArgumentNullException(nameof(tools));
        _classifier = classifier ?? throw new ArgumentNullException(nameof(classifier));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _defaultModelId = defaultModelId;
        _workerId = workerId;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _jitter = jitter ?? Random.Shared.NextDouble;
        _policy = PublishPolicy.For(options.PublishStrategy, options.CoalesceWindow, options.CoalesceMaxChars);
    }

    /// <summary>The tuning this processor runs with.</summary>
    public TurnOptions Options => _options;

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
        var now = _time.GetUtcNow();
        var turnDeadline = deadline - _options.DeadlineMargin;
        if (turnDeadline - now < TimeSpan.FromSeconds(1))
        {
            return new TurnResult(TurnResultKind.Retry, Detail: "Too close to the invocation deadline to start a turn.");
        }

        var lease = new TurnLease($"{_workerId}/{request.RequestId}", deadline - _options.LeaseMargin);
        var claim = await _store.ClaimAsync(request.ConversationId, request.AssistantMessageId, request.Turn, lease, cancellationToken).ConfigureAwait(false);
        switch (claim.Status)
        {
            case ClaimStatus.AlreadyFinal:
                LogDuplicate(_logger, claim.Message?.Status ?? "final");
                return new TurnResult(TurnResultKind.AlreadyFinal, claim.Message?.Status);
            case ClaimStatus.LeaseHeld:
                LogLeaseHeld(_logger, claim.Message?.Lease?.ExpiresAt);
                return new TurnResult(TurnResultKind.LeaseHeld, MessageStatus.Streaming);
            case ClaimStatus.NotFound:
                LogNotFound(_logger);
                return new TurnResult(TurnResultKind.NotFound);
            case ClaimStatus.Claimed:
            case ClaimStatus.TakenOver:
                break;
            default:
                throw new InvalidOperationException($"Unknown claim status {claim.Status}.");
        }

        var takenOver = claim.Status == ClaimStatus.TakenOver;
        var turn = takenOver ? Math.Max(request.Turn, claim.Message?.Turn ?? request.Turn) + 1 : request.Turn;
        var startText = takenOver && _options.TakeoverMode == TakeoverMode.Continue && claim.Message is { } previous
            ? ConversationPrompt.ContinuablePrefix(previous.Text)
            : string.Empty;
        if (takenOver)
        {
            LogTakeover(_logger, claim.Message?.Turn ?? 0, turn, startText.Length);
        }

        var run = new TurnRun(this, request, new TurnIdentity(request.ConversationId, request.AssistantMessageId, turn), lease, startText, turnDeadline, takenOver);
        return await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string StopReasonOf(ChatFinishReason? reason)
    {
        if (reason is null)
        {
            return "end_turn";
        }

        var value = reason.Value;
        if (value == ChatFinishReason.Stop)
        {
            return "end_turn";
        }

        if (value == ChatFinishReason.Length)
        {
            return "max_tokens";
        }

        if (value == ChatFinishReason.ToolCalls)
        {
            return "tool_use";
        }

        return value == ChatFinishReason.ContentFilter ? "content_filtered" : value.Value;
    }

    private TimeSpan Backoff(int attempt)
    {
        // Full jitter: uniform in [0, min(max, base · 2^attempt)], at least 10 ms.
        var ceiling = Math.Min(_options.ModelRetryMaxDelay.TotalMilliseconds, _options.ModelRetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt));
        return TimeSpan.FromMilliseconds(Math.Max(10, ceiling * _jitter()));
    }

    /// <summary>The state of one turn while it runs (per-turn state lives here, never in the processor).</summary>
    private sealed class TurnRun(
        TurnProcessor owner,
        ChatTurnRequest request,
        TurnIdentity id,
        TurnLease lease,
        string startText,
        DateTimeOffset turnDeadline,
        bool takenOver)
    {
        private readonly TurnOptions _options = owner._options;
        private readonly ILogger _logger = owner._logger;
        private readonly TimeProvider _time = owner._time;
        private long _inputTokens;
        private long _outputTokens;
        private long _totalTokens;
        private bool _sawUsage;

        // Failures of the side loops (each loop is single-threaded; read after both were awaited).
        private int _checkpointFailures;
        private int _checkpointStreak;
        private int _cancelPollFailures;
        private int _cancelPollStreak;

        // UTF-8 bytes of the answer so far (kept prefix included), against TurnOptions.AnswerMaxBytes.
        private long _answerBytes = System.Text.Encoding.UTF8.GetByteCount(startText);
        private bool _answerCapped;
        private bool _endsInHighSurrogate;

        public async Task<TurnResult> ExecuteAsync(CancellationToken hostToken)
        {
            var stats = new PublishStats();
            var publisher = new EventBatchPublisher(owner._events, _time, _options.MaxRepublishAttempts, _options.RepublishDelay, stats, _logger);
            await using var stream = new EventCoalescer(id, ChatChannels.ForConversation(id.ConversationId), startText, owner._policy, publisher, _time);
            using var abort = new TurnAbort(hostToken);
            using var watchdog = new ModelWatchdog(_time, _options.FirstByteTimeout, _options.BetweenBytesTimeout, reason => abort.Stop(reason));
            using var supervision = CancellationTokenSource.CreateLinkedTokenSource(hostToken);
            var modelId = request.Settings?.ModelId ?? owner._defaultModelId;
            var startedAt = _time.GetTimestamp();

            stream.Start(hostToken);
            stream.Enqueue((t, seq) => new TurnStarted
            {
                ConversationId = t.ConversationId,
                MessageId = t.MessageId,
                Turn = t.Turn,
                Seq = seq,
                Offset = startText.Length,
                ModelId = modelId,
                RequestedAtMs = request.RequestedAtMs > 0 ? request.RequestedAtMs : null,
            });

            Task checkpoints = Task.CompletedTask;
            Task cancelPoll = Task.CompletedTask;
            TurnEnding end;
            try
            {
                using var deadlineTimer = _time.CreateTimer(static s => ((TurnAbort)s!).Stop(TurnEnding.DeadlineExceeded), abort, Max(turnDeadline - _time.GetUtcNow(), TimeSpan.Zero), Timeout.InfiniteTimeSpan);
                if (takenOver)
                {
                    // The snapshot must show the new turn at once, so catching-up viewers reset to the kept prefix.
                    await CheckpointOnceAsync(stream, abort, hostToken).ConfigureAwait(false);
                }

                checkpoints = CheckpointLoopAsync(stream, abort, supervision.Token);
                cancelPoll = CancelPollLoopAsync(abort, supervision.Token);
                end = await GenerateAsync(stream, watchdog, abort, modelId, hostToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (hostToken.IsCancellationRequested)
            {
                // The host is going away (hard deadline or shutdown): leave the lease to expire; the record's
                // redelivery takes the turn over.
                await supervision.CancelAsync().ConfigureAwait(false);
                await Quietly(checkpoints, cancelPoll).ConfigureAwait(false);
                throw;
            }
            catch (OperationCanceledException) when (abort.Ending is { } stopped)
            {
                end = stopped;
            }
            catch (Exception ex)
            {
                LogInternalError(_logger, ex);
                end = new TurnEnding.Failed(TurnErrorCodes.InternalError, "The worker failed while producing this answer.", Retryable: true);
            }

            await supervision.CancelAsync().ConfigureAwait(false);
            await Quietly(checkpoints, cancelPoll).ConfigureAwait(false);

            if (end is TurnEnding.Abandoned)
            {
                await stream.AbandonAsync().ConfigureAwait(false);
                LogLeaseLost(_logger, id.Turn);
                return new TurnResult(TurnResultKind.LeaseLost);
            }

            // Store the final state first, then announce it: a viewer that receives the terminal event and
            // re-reads the message finds it final. Text events keep flowing meanwhile.
            var (text, terminal) = stream.Seal((t, seq, finalText) => Terminal(t, seq, finalText, end));
            var outcome = Outcome(terminal, text, end);
            var result = await FinishAsync(outcome, hostToken).ConfigureAwait(false);
            if (result.Kind == TurnResultKind.Finished)
            {
                await stream.PublishTerminalAsync(terminal).ConfigureAwait(false);
            }
            else
            {
                // Lease lost (another worker owns the turn) or the store is down (the record is retried and the
                // turn taken over): announcing an end that is not stored would mislead viewers.
                await stream.AbandonAsync().ConfigureAwait(false);
            }

            var elapsed = _time.GetElapsedTime(startedAt);
            // The turn's summary line: a turn whose stop button or checkpoints failed along the way ends at Warning.
            var level = _checkpointFailures + _cancelPollFailures + stats.EventsDropped > 0 ? LogLevel.Warning : LogLevel.Information;
            LogTurnEnded(_logger, level, outcome.Status, (end as TurnEnding.Failed)?.ErrorCode, text.Length, stats.EventsPublished, stats.Requests, stats.EventsDropped, _checkpointFailures, _cancelPollFailures, (long)elapsed.TotalMilliseconds);
            return result;
        }

        private async Task<TurnEnding> GenerateAsync(EventCoalescer stream, ModelWatchdog watchdog, TurnAbort abort, string modelId, CancellationToken hostToken)
        {
            if (await owner._store.IsCancelRequestedAsync(id.ConversationId, id.MessageId, abort.Token).ConfigureAwait(false))
            {
                return TurnEnding.CancelRequested;
            }

            var history = await owner._store.LoadHistoryAsync(id.ConversationId, id.MessageId, _options.HistoryMaxMessages, _options.HistoryMaxCharacters, abort.Token).ConfigureAwait(false);
            var messages = ConversationPrompt.Build(history, request.Settings, startText);
            if (messages is null)
            {
                return new TurnEnding.Failed(TurnErrorCodes.InvalidConversation, "The conversation has no user message to answer.", Retryable: false);
            }

            var chatOptions = new ChatOptions
            {
                ModelId = modelId,
                MaxOutputTokens = request.Settings?.MaxTokens ?? _options.ModelMaxTokens,
                Temperature = request.Settings?.Temperature,
                TopP = request.Settings?.TopP,
            };
            if (owner._tools.Count > 0)
            {
                chatOptions.Tools = [.. owner._tools.Declarations];
                chatOptions.ToolMode = ChatToolMode.Auto;
            }

            for (var round = 0; ; round++)
            {
                var roundStart = stream.Length;
                var calls = new List<FunctionCallContent>();
                ChatFinishReason? finish = null;
                string? rawStopReason = null;
                for (var attempt = 1; ; attempt++)
                {
                    calls.Clear();
                    // Retries are decided per model call: a failure before this call's first text is invisible to
                    // viewers (earlier rounds' text is already final), so it may be retried after any tool round.
                    var callStart = stream.Length;
                    try
                    {
                        watchdog.Arm();
                        await foreach (var update in owner._chat.GetStreamingResponseAsync(messages, chatOptions, abort.Token).ConfigureAwait(false))
                        {
                            watchdog.Touch();
                            Apply(update, stream, calls, abort);
                            finish = update.FinishReason ?? finish;
                            if (update.AdditionalProperties?.TryGetValue(BedrockChatClient.StopReasonKey, out var raw) == true && raw is string rawStop)
                            {
                                rawStopReason = rawStop;
                            }
                        }

                        watchdog.Disarm();
                        break;
                    }
                    catch (Exception) when (_answerCapped)
                    {
                        watchdog.Disarm();
                        return TurnEnding.AnswerTooLarge(_options.AnswerMaxBytes);
                    }
                    catch (Exception) when (abort.Ending is { } stopped)
                    {
                        watchdog.Disarm();
                        return stopped;
                    }
                    catch (OperationCanceledException) when (hostToken.IsCancellationRequested)
                    {
                        throw;
                    }
                    catch (Exception ex)
                    {
                        watchdog.Disarm();
                        var failure = owner._classifier.Classify(ex);
                        var delay = owner.Backoff(attempt - 1);
                        if (failure.Retryable && stream.Length == callStart && attempt < _options.ModelMaxAttempts && _time.GetUtcNow() + delay < turnDeadline)
                        {
                            LogModelRetry(_logger, failure.Code, attempt, (long)delay.TotalMilliseconds);
                            try
                            {
                                await Task.Delay(delay, _time, abort.Token).ConfigureAwait(false);
                            }
                            catch (OperationCanceledException) when (abort.Ending is { } stopped)
                            {
                                return stopped;
                            }

                            continue;
                        }

                        LogModelFailed(_logger, ex, failure.Code, attempt);
                        var code = failure.Kind == ModelFailureKind.Throttled ? TurnErrorCodes.ModelThrottled : TurnErrorCodes.ModelError;
                        return new TurnEnding.Failed(code, failure.Message, failure.Retryable || stream.HasNewText);
                    }
                }

                if (_answerCapped)
                {
                    // The model ended its stream right after the cut: the answer is still cut, not complete.
                    return TurnEnding.AnswerTooLarge(_options.AnswerMaxBytes);
                }

                if (calls.Count == 0)
                {
                    return new TurnEnding.Completed(rawStopReason ?? StopReasonOf(finish), Usage());
                }

                if (round >= _options.MaxToolRounds)
                {
                    return new TurnEnding.Failed(TurnErrorCodes.ToolRoundsExceeded, $"The model asked for tools more than {_options.MaxToolRounds} times in a row.", Retryable: false);
                }

                var assistant = new List<AIContent>(calls.Count + 1);
                var roundText = stream.TextSince(roundStart);
                if (roundText.Length > 0)
                {
                    assistant.Add(new TextContent(roundText));
                }

                assistant.AddRange(calls);
                messages.Add(new AiChatMessage(ChatRole.Assistant, assistant));
                var results = new List<AIContent>(calls.Count);
                foreach (var call in calls)
                {
                    try
                    {
                        results.Add(await RunToolAsync(call, stream, abort.Token).ConfigureAwait(false));
                    }
                    catch (OperationCanceledException) when (abort.Ending is { } stopped)
                    {
                        return stopped;
                    }
                }

                messages.Add(new AiChatMessage(ChatRole.Tool, results));
            }
        }

        private void Apply(ChatResponseUpdate update, EventCoalescer stream, List<FunctionCallContent> calls, TurnAbort abort)
        {
            if (_answerCapped)
            {
                return;
            }

            var contents = update.Contents;
            for (var i = 0; i < contents.Count; i++)
            {
                switch (contents[i])
                {
                    case TextContent text:
                        if (!AppendWithinCap(text.Text, stream))
                        {
                            // Stop reading the model (billing stops); nothing after the cut is used, tool calls included.
                            _answerCapped = true;
                            abort.Stop(TurnEnding.AnswerTooLarge(_options.AnswerMaxBytes));
                            return;
                        }

                        break;
                    case FunctionCallContent call:
                        calls.Add(call);
                        break;
                    case UsageContent usage:
                        AddUsage(usage.Details);
                        break;
                    case ErrorContent error:
                        throw new ModelStreamException(error.ErrorCode ?? "ModelError", error.Message);
                    default:
                        break;
                }
            }
        }

        /// <summary>
        /// Appends <paramref name="text"/> while the answer stays within <see cref="TurnOptions.AnswerMaxBytes"/> UTF-8
        /// bytes; at the cap appends the longest prefix that fits (never half a surrogate pair) and returns false.
        /// </summary>
        private bool AppendWithinCap(string text, EventCoalescer stream)
        {
            if (string.IsNullOrEmpty(text))
            {
                return true;
            }

            // Counted per code point: a pair split across two pieces counts 4 bytes with its high half (reserved
            // for the low half that completes it) and 0 with its low half.
            var budget = _options.AnswerMaxBytes - _answerBytes;
            var take = 0;
            long used = 0;
            while (take < text.Length)
            {
                var c = text[take];
                int units, size;
                if (char.IsHighSurrogate(c) && take + 1 < text.Length && char.IsLowSurrogate(text[take + 1]))
                {
                    (units, size) = (2, 4);
                }
                else if (take == 0 && _endsInHighSurrogate && char.IsLowSurrogate(c))
                {
                    (units, size) = (1, 0);
                }
                else
                {
                    (units, size) = (1, c < 0x80 ? 1 : c < 0x800 ? 2 : char.IsHighSurrogate(c) ? 4 : 3);
                }

                if (used + size > budget)
                {
                    break;
                }

                used += size;
                take += units;
            }

            if (take == text.Length)
            {
                _answerBytes += used;
                _endsInHighSurrogate = char.IsHighSurrogate(text[^1]);
                stream.AppendText(text);
                return true;
            }

            if (take > 0)
            {
                stream.AppendText(text[..take]);
            }

            LogAnswerCapped(_logger, _options.AnswerMaxBytes);
            return false;
        }

        private void AddUsage(UsageDetails details)
        {
            _sawUsage = true;
            _inputTokens += details.InputTokenCount ?? 0;
            _outputTokens += details.OutputTokenCount ?? 0;
            _totalTokens += details.TotalTokenCount ?? ((details.InputTokenCount ?? 0) + (details.OutputTokenCount ?? 0));
        }

        private TokenUsage? Usage() => _sawUsage ? new TokenUsage((int)_inputTokens, (int)_outputTokens, (int)_totalTokens) : null;

        private async Task<FunctionResultContent> RunToolAsync(FunctionCallContent call, EventCoalescer stream, CancellationToken token)
        {
            var tool = owner._tools.Find(call.Name);
            var arguments = new ToolArguments(call.Arguments);
            string? summary = null;
            try
            {
                summary = tool?.Describe(arguments);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                summary = null;
            }

            stream.Enqueue((t, seq) => new ToolStarted
            {
                ConversationId = t.ConversationId,
                MessageId = t.MessageId,
                Turn = t.Turn,
                Seq = seq,
                ToolUseId = call.CallId,
                Name = call.Name,
                Summary = summary,
            });
            var started = _time.GetTimestamp();
            string? result = null;
            string? error = null;
            if (tool is null)
            {
                error = $"There is no tool named '{call.Name}'.";
            }
            else
            {
                using var timeout = new CancellationTokenSource(_options.ToolTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
                try
                {
                    result = await tool.InvokeAsync(arguments, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    error = $"The tool did not finish within {_options.ToolTimeout.TotalSeconds:0.###} s.";
                }
                catch (ToolInputException ex)
                {
                    error = ex.Message;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogToolFailed(_logger, ex, call.Name);
                    error = "The tool failed.";
                }
            }

            var duration = (long)_time.GetElapsedTime(started).TotalMilliseconds;
            var ok = error is null;
            LogToolRan(_logger, call.Name, ok, duration);
            stream.Enqueue((t, seq) => new ToolFinished
            {
                ConversationId = t.ConversationId,
                MessageId = t.MessageId,
                Turn = t.Turn,
                Seq = seq,
                ToolUseId = call.CallId,
                Name = call.Name,
                Status = ok ? "success" : "error",
                DurationMs = duration,
                Summary = summary,
            });
            // A failed tool goes back to the model as an error result (Bedrock: toolResult status "error")
            // carrying a message the model can act on; never the exception's internals.
            return ok
                ? new FunctionResultContent(call.CallId, result)
                : new FunctionResultContent(call.CallId, null) { Exception = new ToolInputException(error!) };
        }

        private static StreamEvent Terminal(TurnIdentity t, long seq, string text, TurnEnding end)
        {
            var checksum = TextChecksum.Of(text);
            return end switch
            {
                TurnEnding.Completed completed => new TurnCompleted
                {
                    ConversationId = t.ConversationId,
                    MessageId = t.MessageId,
                    Turn = t.Turn,
                    Seq = seq,
                    StopReason = completed.StopReason,
                    Usage = completed.Usage,
                    Length = text.Length,
                    Checksum = checksum,
                },
                TurnEnding.Cancelled => new TurnCancelled
                {
                    ConversationId = t.ConversationId,
                    MessageId = t.MessageId,
                    Turn = t.Turn,
                    Seq = seq,
                    Length = text.Length,
                    Checksum = checksum,
                },
                TurnEnding.Failed failed => new TurnFailed
                {
                    ConversationId = t.ConversationId,
                    MessageId = t.MessageId,
                    Turn = t.Turn,
                    Seq = seq,
                    Status = text.Length > 0 ? MessageStatus.Interrupted : MessageStatus.Failed,
                    ErrorCode = failed.ErrorCode,
                    Message = failed.Message,
                    Retryable = failed.Retryable,
                    Length = text.Length,
                    Checksum = checksum,
                },
                _ => throw new InvalidOperationException($"A turn that ended {end} has no terminal event."),
            };
        }

        private static TurnOutcome Outcome(StreamEvent terminal, string text, TurnEnding end)
        {
            var status = terminal switch
            {
                TurnCompleted => MessageStatus.Completed,
                TurnCancelled => MessageStatus.Cancelled,
                TurnFailed failed => failed.Status,
                _ => throw new InvalidOperationException("Not a terminal event."),
            };
            var error = terminal is TurnFailed f ? new MessageError(f.ErrorCode, f.Message, f.Retryable) : null;
            var completed = end as TurnEnding.Completed;
            return new TurnOutcome(status, text, terminal.Seq, terminal.Turn, completed?.StopReason, completed?.Usage, error, TextChecksum.Of(text));
        }

        private async Task<TurnResult> FinishAsync(TurnOutcome outcome, CancellationToken hostToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var stored = await owner._store.FinishAsync(id.ConversationId, id.MessageId, outcome, lease, hostToken).ConfigureAwait(false);
                    if (!stored)
                    {
                        LogLeaseLost(_logger, id.Turn);
                        return new TurnResult(TurnResultKind.LeaseLost, outcome.Status);
                    }

                    return new TurnResult(TurnResultKind.Finished, outcome.Status);
                }
                catch (Exception ex) when (ex is not OperationCanceledException && attempt < 3)
                {
                    LogStoreRetry(_logger, ex, attempt);
                    await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), _time, hostToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The events went out but the state did not: the record comes back after the visibility
                    // timeout, finds the lease expired and takes the turn over.
                    LogFinishFailed(_logger, ex);
                    return new TurnResult(TurnResultKind.Retry, outcome.Status, "The final state could not be stored.");
                }
            }
        }

        private async Task CheckpointLoopAsync(EventCoalescer stream, TurnAbort abort, CancellationToken stop)
        {
            var lastSeq = -1L;
            try
            {
                while (true)
                {
                    if (stream.FirstTextPublished.IsCompleted)
                    {
                        await Task.Delay(_options.CheckpointInterval, _time, stop).ConfigureAwait(false);
                    }
                    else
                    {
                        // The first checkpoint follows the first published text instead of a full interval: a viewer
                        // joining now finds live text in its snapshot, not only after the next checkpoint.
                        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
                        await Task.WhenAny(stream.FirstTextPublished, Task.Delay(_options.CheckpointInterval, _time, wait.Token)).ConfigureAwait(false);
                        await wait.CancelAsync().ConfigureAwait(false);
                        stop.ThrowIfCancellationRequested();
                    }

                    var seq = stream.Snapshot().Seq;
                    if (seq == lastSeq)
                    {
                        continue;
                    }

                    lastSeq = await CheckpointOnceAsync(stream, abort, stop).ConfigureAwait(false) ?? lastSeq;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        /// <summary>Writes one checkpoint; returns its seq, or null when it was not written.</summary>
        private async Task<long?> CheckpointOnceAsync(EventCoalescer stream, TurnAbort abort, CancellationToken stop)
        {
            var (text, seq) = stream.Snapshot();
            try
            {
                if (!await owner._store.CheckpointAsync(id.ConversationId, id.MessageId, new Checkpoint(text, seq, id.Turn), lease, stop).ConfigureAwait(false))
                {
                    abort.Stop(TurnEnding.LeaseLost);
                    return null;
                }

                if (_checkpointStreak >= CheckpointEscalateAfter)
                {
                    LogCheckpointRecovered(_logger, _checkpointStreak);
                }

                _checkpointStreak = 0;
                return seq;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _checkpointFailures++;
                _checkpointStreak++;
                LogCheckpointFailed(_logger, ex, _checkpointStreak, _checkpointFailures);
                if (_checkpointStreak == CheckpointEscalateAfter)
                {
                    LogCheckpointsFailing(_logger, _checkpointStreak);
                }

                return null;
            }
        }

        private async Task CancelPollLoopAsync(TurnAbort abort, CancellationToken stop)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(_options.CancelPollInterval, _time, stop).ConfigureAwait(false);
                    try
                    {
                        var requested = await owner._store.IsCancelRequestedAsync(id.ConversationId, id.MessageId, stop).ConfigureAwait(false);
                        if (_cancelPollStreak >= CancelPollEscalateAfter)
                        {
                            LogCancelPollRecovered(_logger, _cancelPollStreak);
                        }

                        _cancelPollStreak = 0;
                        if (requested)
                        {
                            LogCancelSeen(_logger);
                            abort.Stop(TurnEnding.CancelRequested);
                            return;
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        _cancelPollFailures++;
                        _cancelPollStreak++;
                        LogCancelPollFailed(_logger, ex, _cancelPollStreak, _cancelPollFailures);
                        if (_cancelPollStreak == CancelPollEscalateAfter)
                        {
                            LogCancelPollsFailing(_logger, _cancelPollStreak);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        private static async Task Quietly(Task first, Task second)
        {
            try
            {
                await Task.WhenAll(first, second).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Duplicate delivery: the message is already {Status}; nothing to do")]
    private static partial void LogDuplicate(ILogger logger, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another worker holds the turn until {ExpiresAt}; the record will be retried after the visibility timeout")]
    private static partial void LogLeaseHeld(ILogger logger, DateTimeOffset? expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The assistant message does not exist (deleted conversation?); the request is dropped")]
    private static partial void LogNotFound(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Took over turn {PreviousTurn} after its lease expired; continuing as turn {Turn} from offset {Offset}")]
    private static partial void LogTakeover(ILogger logger, int previousTurn, int turn, int offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease lost during turn {Turn}: another worker took over; stopped without a final event")]
    private static partial void LogLeaseLost(ILogger logger, int turn);

    [LoggerMessage(Message = "Turn ended {Status} ({ErrorCode}): {Length} characters, {Events} events in {Publishes} publishes, {Dropped} dropped, {CheckpointFailures} checkpoint failures, {CancelPollFailures} cancel-poll failures, {ElapsedMs} ms")]
    private static partial void LogTurnEnded(ILogger logger, LogLevel level, string status, string? errorCode, int length, long events, long publishes, long dropped, int checkpointFailures, int cancelPollFailures, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model failed before any text ({Code}), attempt {Attempt}; retrying in {DelayMs} ms")]
    private static partial void LogModelRetry(ILogger logger, string code, int attempt, long delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model failed ({Code}) on attempt {Attempt}; ending the turn")]
    private static partial void LogModelFailed(ILogger logger, Exception exception, string code, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "The worker failed while producing the turn")]
    private static partial void LogInternalError(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tool {Tool} threw")]
    private static partial void LogToolFailed(ILogger logger, Exception exception, string tool);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tool {Tool} ran (success: {Success}) in {DurationMs} ms")]
    private static partial void LogToolRan(ILogger logger, string tool, bool success, long durationMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the final state failed (attempt {Attempt}); retrying")]
    private static partial void LogStoreRetry(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing the final state failed; the record will be retried and the turn taken over")]
    private static partial void LogFinishFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint failed ({Streak} in a row, {Total} this turn); the next one will carry the text")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception, int streak, int total);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Streak} checkpoints in a row failed: late joiners and reconnecting viewers see stale text until one succeeds")]
    private static partial void LogCheckpointsFailing(ILogger logger, int streak);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoints work again after {Streak} failures in a row")]
    private static partial void LogCheckpointRecovered(ILogger logger, int streak);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The answer reached {MaxBytes} bytes, the most a stored message can hold; stopping the model and ending the turn AnswerTooLarge")]
    private static partial void LogAnswerCapped(ILogger logger, int maxBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopGeneration seen; stopping the model")]
    private static partial void LogCancelSeen(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the cancel flag failed ({Streak} in a row, {Total} this turn); polling again")]
    private static partial void LogCancelPollFailed(ILogger logger, Exception exception, int streak, int total);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Streak} cancel-flag reads in a row failed: stopGeneration cannot be seen for this turn until one succeeds")]
    private static partial void LogCancelPollsFailing(ILogger logger, int streak);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading the cancel flag works again after {Streak} failures in a row")]
    private static partial void LogCancelPollRecovered(ILogger logger, int streak);
}

/// <summary>The model reported an error inside the stream (an <see cref="ErrorContent"/>).</summary>
public sealed class ModelStreamException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
