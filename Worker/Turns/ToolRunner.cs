using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Worker.Publishing;
using AppSyncChat.Worker.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Runs the tool calls of one model round: <c>tool.started</c>, the tool (bounded by <c>ToolTimeout</c>),
/// <c>tool.finished</c>, and the result the model gets back — a failure as an error result with a message the
/// model can act on, never the exception's internals.
/// </summary>
internal sealed partial class ToolRunner(ToolRegistry tools, TimeSpan timeout, TimeProvider time, ILogger logger)
{
    public async Task<FunctionResultContent> RunAsync(FunctionCallContent call, EventCoalescer events, CancellationToken token)
    {
        var tool = tools.Find(call.Name);
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

        events.Enqueue((t, seq) => new ToolStarted
        {
            ConversationId = t.ConversationId,
            MessageId = t.MessageId,
            Turn = t.Turn,
            Seq = seq,
            ToolUseId = call.CallId,
            Name = call.Name,
            Summary = summary,
        });
        var started = time.GetTimestamp();
        string? result = null;
        string? error = null;
        if (tool is null)
        {
            error = $"There is no tool named '{call.Name}'.";
        }
        else
        {
            using var timeoutSource = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeoutSource.Token);
            try
            {
                result = await tool.InvokeAsync(arguments, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !token.IsCancellationRequested)
            {
                error = $"The tool did not finish within {timeout.TotalSeconds:0.###} s.";
            }
            catch (ToolInputException ex)
            {
                error = ex.Message;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogToolFailed(logger, ex, call.Name);
                error = "The tool failed.";
            }
        }

        var duration = (long)time.GetElapsedTime(started).TotalMilliseconds;
        var ok = error is null;
        LogToolRan(logger, call.Name, ok, duration);
        events.Enqueue((t, seq) => new ToolFinished
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
        // A failed tool goes back to the model as an error result (Bedrock: toolResult status "error").
        return ok
            ? new FunctionResultContent(call.CallId, result)
            : new FunctionResultContent(call.CallId, null) { Exception = new ToolInputException(error!) };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tool {Tool} threw")]
    private static partial void LogToolFailed(ILogger logger, Exception exception, string tool);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tool {Tool} ran (success: {Success}) in {DurationMs} ms")]
    private static partial void LogToolRan(ILogger logger, string tool, bool success, long durationMs);
}
