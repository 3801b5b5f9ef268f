using AppSyncChat.Aws.Bedrock;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Publishing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using TokenUsage = AppSyncChat.Contracts.Streaming.TokenUsage;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Step 3 of a turn: streams the model's answer into the turn's events. One model call per round, retried
/// (bounded, with backoff) while none of its text is out; between calls the round's tool calls run
/// (<see cref="ToolRunner"/>), at most <see cref="TurnOptions.MaxToolRounds"/> rounds in a row. The answer stays
/// within <see cref="AnswerSizeCap"/>. Stateless between turns: a turn's state lives in <see cref="RunAsync"/>.
/// </summary>
internal sealed partial class ModelLoop(IChatClient chat, IModelErrorClassifier classifier, ToolRunner tools, TurnOptions options, TimeProvider time, Func<double> jitter, ILogger logger)
{
    public async Task<TurnEnding> RunAsync(ClaimedTurn turn, ModelPrompt prompt, EventCoalescer events, TurnSupervision supervision, CancellationToken hostToken)
    {
        var abort = supervision.Abort;
        var watchdog = supervision.Watchdog;
        var answer = new AnswerSizeCap(options.AnswerMaxBytes, turn.StartText, events, logger);
        var usage = new UsageTally();
        var messages = prompt.Messages;
        for (var round = 0; ; round++)
        {
            var roundStart = events.Length;
            var calls = new List<FunctionCallContent>();
            ChatFinishReason? finish = null;
            string? rawStopReason = null;
            for (var attempt = 1; ; attempt++)
            {
                calls.Clear();
                // Retries are decided per model call: a failure before this call's first text is invisible to
                // viewers (earlier rounds' text is already final), so it may be retried after any tool round.
                var callStart = events.Length;
                try
                {
                    watchdog.Arm();
                    await foreach (var update in chat.GetStreamingResponseAsync(messages, prompt.Options, abort.Token).ConfigureAwait(false))
                    {
                        watchdog.Touch();
                        Apply(update, answer, usage, calls, abort);
                        finish = update.FinishReason ?? finish;
                        if (update.AdditionalProperties?.TryGetValue(BedrockChatClient.StopReasonKey, out var raw) == true && raw is string rawStop)
                        {
                            rawStopReason = rawStop;
                        }
                    }

                    watchdog.Disarm();
                    break;
                }
                catch (Exception) when (answer.Reached)
                {
                    watchdog.Disarm();
                    return TurnEnding.AnswerTooLarge(options.AnswerMaxBytes);
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
                    var failure = classifier.Classify(ex);
                    var delay = Backoff(attempt - 1);
                    if (failure.Retryable && events.Length == callStart && attempt < options.ModelMaxAttempts && time.GetUtcNow() + delay < turn.Deadline)
                    {
                        LogModelRetry(logger, failure.Code, attempt, (long)delay.TotalMilliseconds);
                        try
                        {
                            await Task.Delay(delay, time, abort.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (abort.Ending is { } stopped)
                        {
                            return stopped;
                        }

                        continue;
                    }

                    LogModelFailed(logger, ex, failure.Code, attempt);
                    var code = failure.Kind == ModelFailureKind.Throttled ? TurnErrorCodes.ModelThrottled : TurnErrorCodes.ModelError;
                    return new TurnEnding.Failed(code, failure.Message, failure.Retryable || events.HasNewText);
                }
            }

            if (answer.Reached)
            {
                // The model ended its stream right after the cut: the answer is still cut, not complete.
                return TurnEnding.AnswerTooLarge(options.AnswerMaxBytes);
            }

            if (calls.Count == 0)
            {
                return new TurnEnding.Completed(rawStopReason ?? StopReasonOf(finish), usage.Total);
            }

            if (round >= options.MaxToolRounds)
            {
                return new TurnEnding.Failed(TurnErrorCodes.ToolRoundsExceeded, $"The model asked for tools more than {options.MaxToolRounds} times in a row.", Retryable: false);
            }

            var assistant = new List<AIContent>(calls.Count + 1);
            var roundText = events.TextSince(roundStart);
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
                    results.Add(await tools.RunAsync(call, events, abort.Token).ConfigureAwait(false));
                }
                catch (OperationCanceledException) when (abort.Ending is { } stopped)
                {
                    return stopped;
                }
            }

            messages.Add(new AiChatMessage(ChatRole.Tool, results));
        }
    }

    private static void Apply(ChatResponseUpdate update, AnswerSizeCap answer, UsageTally usage, List<FunctionCallContent> calls, TurnAbort abort)
    {
        if (answer.Reached)
        {
            return;
        }

        var contents = update.Contents;
        for (var i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent text:
                    if (!answer.TryAppend(text.Text))
                    {
                        // Stop reading the model (billing stops); nothing after the cut is used, tool calls included.
                        abort.Stop(TurnEnding.AnswerTooLarge(answer.MaxBytes));
                        return;
                    }

                    break;
                case FunctionCallContent call:
                    calls.Add(call);
                    break;
                case UsageContent used:
                    usage.Add(used.Details);
                    break;
                case ErrorContent error:
                    throw new ModelStreamException(error.ErrorCode ?? "ModelError", error.Message);
                default:
                    break;
            }
        }
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
        var ceiling = Math.Min(options.ModelRetryMaxDelay.TotalMilliseconds, options.ModelRetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt));
        return TimeSpan.FromMilliseconds(Math.Max(10, ceiling * jitter()));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model failed before any text ({Code}), attempt {Attempt}; retrying in {DelayMs} ms")]
    private static partial void LogModelRetry(ILogger logger, string code, int attempt, long delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model failed ({Code}) on attempt {Attempt}; ending the turn")]
    private static partial void LogModelFailed(ILogger logger, Exception exception, string code, int attempt);

    /// <summary>The token usage the model reported over every call of the turn; null when it reported none.</summary>
    private sealed class UsageTally
    {
        private long _input;
        private long _output;
        private long _total;
        private bool _seen;

        public TokenUsage? Total => _seen ? new TokenUsage((int)_input, (int)_output, (int)_total) : null;

        public void Add(UsageDetails details)
        {
            _seen = true;
            _input += details.InputTokenCount ?? 0;
            _output += details.OutputTokenCount ?? 0;
            _total += details.TotalTokenCount ?? ((details.InputTokenCount ?? 0) + (details.OutputTokenCount ?? 0));
        }
    }
}

/// <summary>The model reported an error inside the stream (an <see cref="ErrorContent"/>).</summary>
public sealed class ModelStreamException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
