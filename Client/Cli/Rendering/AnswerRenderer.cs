using System.Globalization;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Contracts.Conversations;

namespace AppSyncChat.Cli.Rendering;

/// <summary>
/// Prints updates as they arrive: the answer text goes to standard output (so <c>&gt; answer.txt</c> captures
/// just the answer), progress and status lines go to standard error.
/// </summary>
/// <param name="outputIsRedirected">When true, status lines never add a newline to the answer mid-way (only one at the end).</param>
public sealed class AnswerRenderer(TextWriter output, TextWriter status, TimeProvider time, bool verbose = false, bool outputIsRedirected = false)
{
    private readonly long _started = time.GetTimestamp();
    private bool _midLine;
    private TimeSpan? _firstText;

    public MessageFinished? Finished { get; private set; }

    public string? ConversationId { get; private set; }

    public string? MessageId { get; private set; }

    public void Render(ChatUpdate update)
    {
        if (verbose && update is not TextAppended)
        {
            Status($"[{time.GetElapsedTime(_started).TotalMilliseconds,7:0} ms] {Verbose(update)}");
        }
        else if (verbose && _firstText is null)
        {
            Status($"[{time.GetElapsedTime(_started).TotalMilliseconds,7:0} ms] first text");
        }

        switch (update)
        {
            case MessageAccepted accepted:
                ConversationId = accepted.Result.ConversationId;
                MessageId = accepted.Result.AssistantMessageId;
                Status($"conversation {accepted.Result.ConversationId} · answer {accepted.Result.AssistantMessageId} · watch elsewhere: appsyncchat watch {accepted.Result.ConversationId}");
                break;

            case FollowingMessage following:
                ConversationId = following.ConversationId;
                MessageId = following.MessageId;
                if (following.Prompt is { } prompt)
                {
                    Status($"> {OneLine(prompt, 200)}");
                }

                Status($"answer {following.MessageId} ({following.Status.ToLowerInvariant()})");
                break;

            case TextAppended appended:
                _firstText ??= time.GetElapsedTime(_started);
                output.Write(appended.Text);
                output.Flush();
                _midLine = !appended.Text.EndsWith('\n');
                break;

            case TextReset reset:
                Status($"[resynced ({Describe(reset.Reason)}): the answer so far is]");
                output.Write(reset.Text);
                output.Flush();
                _midLine = reset.Text.Length > 0 && !reset.Text.EndsWith('\n');
                break;

            case TurnRestarted restarted:
                Status($"[the answer is resumed by another worker (attempt {restarted.Turn}) from character {restarted.Offset}]");
                break;

            case ToolCallStarted tool:
                Status($"[tool {tool.Name}: {tool.Summary ?? "running"}…]");
                break;

            case ToolCallFinished tool:
                var took = tool.DurationMs is { } ms ? $" in {ms} ms" : "";
                Status(tool.Status == "success" ? $"[tool {tool.Name} done{took}]" : $"[tool {tool.Name} {tool.Status}{took}]");
                break;

            case ConnectionRestored:
                Status("[connection restored; catching up]");
                break;

            case MessageFinished finished:
                Finished = finished;
                EndLine();
                Status(Summary(finished));
                break;
        }
    }

    /// <summary>A status line on standard error, starting on a fresh line of the terminal.</summary>
    public void Status(string line)
    {
        if (!outputIsRedirected)
        {
            EndLine();
        }

        status.WriteLine(line);
        status.Flush();
    }

    /// <summary>Ends the answer's current line on standard output.</summary>
    public void EndLine()
    {
        if (_midLine)
        {
            output.WriteLine();
            output.Flush();
            _midLine = false;
        }
    }

    private string Summary(MessageFinished finished)
    {
        var elapsed = time.GetElapsedTime(_started);
        var timing = _firstText is { } first
            ? $"first text after {Seconds(first)}, total {Seconds(elapsed)}"
            : $"{Seconds(elapsed)}";
        return finished switch
        {
            MessageCompleted c => $"completed ({c.StopReason ?? "end"}) · {Usage(c)} · {c.Text.Length} characters · {timing}",
            MessageCancelled c => $"stopped · partial answer kept ({c.Text.Length} characters) · {timing}",
            MessageFailed f => $"{f.Status.ToLowerInvariant()}: {f.ErrorCode} — {f.ErrorMessage}" +
                (f.Text.Length > 0 ? $" · partial answer kept ({f.Text.Length} characters)" : "") +
                (f.Retryable && ConversationId is not null ? $" · try again: appsyncchat regenerate {ConversationId}" : ""),
            _ => finished.Status,
        };
    }

    private static string Verbose(ChatUpdate update) => update switch
    {
        ConversationStarted s => $"ConversationStarted({s.Conversation.ConversationId}, channel subscribed)",
        TextReset r => $"TextReset({r.Reason}, {r.Text.Length} characters)",
        MessageFinished f => $"{f.GetType().Name}({f.Text.Length} characters)",
        _ => update.ToString(),
    };

    private static string Usage(MessageCompleted completed) => completed.Usage is { } u
        ? $"tokens: {u.InputTokens} in, {u.OutputTokens} out, {u.TotalTokens} total"
        : "tokens: not reported";

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    private static string Describe(ResyncReason reason) => reason switch
    {
        ResyncReason.ChecksumMismatch => "checksum mismatch",
        ResyncReason.TurnTakeover => "another worker took over",
        ResyncReason.Reconnected => "reconnected",
        ResyncReason.Gap => "missed events",
        _ => reason.ToString().ToLowerInvariant(),
    };

    internal static string OneLine(string text, int max)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }

    /// <summary>The exit code for how the answer ended.</summary>
    public static int ExitCodeFor(MessageFinished? finished) =>
        finished is { Status: MessageStatus.Completed } ? ExitCodes.Ok : ExitCodes.AnswerNotCompleted;
}
