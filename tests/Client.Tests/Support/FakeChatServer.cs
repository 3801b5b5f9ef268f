using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Client.Tests.Support;

/// <summary>
/// The server side of a scripted answer: the events the worker publishes (turn 1 unless told otherwise) and
/// the snapshot <c>getConversation</c> returns, checkpointed at whatever seq the test chooses.
/// </summary>
public sealed class FakeChatServer : IConversationSnapshots
{
    public const string ConversationId = "conv-1";
    public const string MessageId = "msg-a1";
    public const string UserMessageId = "msg-u1";
    public const string Prompt = "Tell me about streams";

    private readonly List<AnswerScript> _answers = [];

    public FakeChatServer(AnswerScript answer)
    {
        _answers.Add(answer);
    }

    public AnswerScript Answer => _answers[^1];

    public int Fetches { get; private set; }

    public List<int?> FetchLimits { get; } = [];

    /// <summary>Called at the start of every fetch (e.g. to publish events "while" the snapshot is read).</summary>
    public Action<int>? OnFetch { get; set; }

    /// <summary>Fails the next N fetches with this exception.</summary>
    public Queue<Exception> FetchFailures { get; } = new();

    public bool Exists { get; set; } = true;

    private readonly Queue<TaskCompletionSource> _holds = new();

    public void AddAnswer(AnswerScript answer) => _answers.Add(answer);

    /// <summary>
    /// A slow <c>getConversation</c>: the next fetch completes only when the test completes the returned source, and
    /// then reflects the checkpoint of that moment.
    /// </summary>
    public TaskCompletionSource HoldNextFetch()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_holds)
        {
            _holds.Enqueue(hold);
        }

        return hold;
    }

    public Task<Conversation?> GetConversationAsync(string conversationId, int? messageLimit, CancellationToken cancellationToken)
    {
        Fetches++;
        FetchLimits.Add(messageLimit);
        OnFetch?.Invoke(Fetches);
        TaskCompletionSource? hold;
        lock (_holds)
        {
            _holds.TryDequeue(out hold);
        }

        if (hold is not null)
        {
            return HeldAsync(hold.Task, conversationId, messageLimit, cancellationToken);
        }

        return Read(conversationId, messageLimit);
    }

    private async Task<Conversation?> HeldAsync(Task hold, string conversationId, int? messageLimit, CancellationToken cancellationToken)
    {
        await hold.WaitAsync(cancellationToken);
        return await Read(conversationId, messageLimit);
    }

    private Task<Conversation?> Read(string conversationId, int? messageLimit)
    {
        if (FetchFailures.TryDequeue(out var failure))
        {
            return Task.FromException<Conversation?>(failure);
        }

        if (!Exists || conversationId != ConversationId)
        {
            return Task.FromResult<Conversation?>(null);
        }

        var messages = new List<Message>();
        var i = 0;
        foreach (var answer in _answers)
        {
            i++;
            messages.Add(new Message
            {
                MessageId = answer.UserMessageId,
                Role = MessageRoles.User,
                Text = answer.Prompt,
                Status = MessageStatus.Completed,
                Turn = 1,
                Seq = -1,
                Offset = answer.Prompt.Length,
            });
            messages.Add(answer.Snapshot());
        }

        var active = _answers.Select(a => a.Snapshot()).FirstOrDefault(m => !MessageStatus.IsFinal(m.Status))?.MessageId;
        var list = messageLimit is { } limit ? messages.TakeLast(limit).ToList() : messages;
        return Task.FromResult<Conversation?>(new Conversation
        {
            ConversationId = ConversationId,
            Channel = ChatChannels.ForConversation(ConversationId),
            ActiveMessageId = active,
            Messages = list,
        });
    }
}

/// <summary>
/// One assistant answer as the worker publishes it: events with gap-free seqs, and a checkpoint that says
/// how much of it the stored snapshot reflects.
/// </summary>
public sealed class AnswerScript
{
    public AnswerScript(string messageId = FakeChatServer.MessageId, string userMessageId = FakeChatServer.UserMessageId, string prompt = FakeChatServer.Prompt)
    {
        MessageId = messageId;
        UserMessageId = userMessageId;
        Prompt = prompt;
    }

    public string MessageId { get; }

    public string UserMessageId { get; }

    public string Prompt { get; }

    /// <summary>Everything the worker published, in seq order (all turns).</summary>
    public List<StreamEvent> Events { get; } = [];

    /// <summary>Index into <see cref="Events"/> of the last event the snapshot reflects; -1: nothing (QUEUED).</summary>
    public int CheckpointIndex { get; set; } = -1;

    /// <summary>Overrides the stored text (a server whose storage disagrees with what was streamed).</summary>
    public string? StoredTextOverride { get; set; }

    public static TokenUsage Usage { get; } = new(12, 34, 46);

    /// <summary>A plain answer: turn.started, one delta per piece (tools where asked), then the terminal event.</summary>
    public static AnswerScript Streamed(IReadOnlyList<string> pieces, string terminal = StreamEventTypes.TurnCompleted, int turn = 1, Dictionary<int, string>? toolsBeforePiece = null, string messageId = FakeChatServer.MessageId)
    {
        var script = new AnswerScript(messageId);
        script.StartTurn(turn, 0);
        for (var i = 0; i < pieces.Count; i++)
        {
            if (toolsBeforePiece?.TryGetValue(i, out var tool) == true)
            {
                script.Tool(tool);
            }

            script.Delta(pieces[i]);
        }

        script.End(terminal);
        return script;
    }

    public string TextThrough(int index)
    {
        // Replays the events like a perfect client would.
        var text = new System.Text.StringBuilder();
        for (var i = 0; i <= index && i < Events.Count; i++)
        {
            switch (Events[i])
            {
                case TurnStarted s:
                    text.Length = (int)Math.Min(text.Length, s.Offset);
                    break;
                case TextDelta d:
                    text.Length = (int)d.Offset;
                    text.Append(d.Text);
                    break;
            }
        }

        return text.ToString();
    }

    public string FinalText => TextThrough(Events.Count - 1);

    private int CurrentTurn => Events.Count == 0 ? 1 : Events[^1].Turn;

    private long NextSeq => Events.Count == 0 ? 0 : Events[^1].Seq + 1;

    public TurnStarted StartTurn(int turn, long offset)
    {
        var e = new TurnStarted { ConversationId = FakeChatServer.ConversationId, MessageId = MessageId, Turn = turn, Seq = 0, Offset = offset, ModelId = "emulated" };
        Events.Add(e);
        return e;
    }

    public TextDelta Delta(string text)
    {
        var e = new TextDelta { ConversationId = FakeChatServer.ConversationId, MessageId = MessageId, Turn = CurrentTurn, Seq = NextSeq, Offset = TextThrough(Events.Count - 1).Length, Text = text };
        Events.Add(e);
        return e;
    }

    public void Tool(string name)
    {
        var id = "tool-" + NextSeq;
        Events.Add(new ToolStarted { ConversationId = FakeChatServer.ConversationId, MessageId = MessageId, Turn = CurrentTurn, Seq = NextSeq, ToolUseId = id, Name = name, Summary = "Running " + name });
        Events.Add(new ToolFinished { ConversationId = FakeChatServer.ConversationId, MessageId = MessageId, Turn = CurrentTurn, Seq = NextSeq, ToolUseId = id, Name = name, Status = "success", DurationMs = 5 });
    }

    public StreamEvent End(string terminal)
    {
        var text = TextThrough(Events.Count - 1);
        StreamEvent e = terminal switch
        {
            StreamEventTypes.TurnCompleted => new TurnCompleted { ConversationId = FakeChatServer.ConversationId, MessageId = MessageId, Turn = CurrentTurn, Seq = NextSeq, StopReason = "end_turn", Usage = Usage, Length = text.Length, Checksum = TextChecksum.Of(text) },
            StreamEventTypes.TurnFailed => new TurnFailed { ConversationId = FakeChatServer.ConversationId, MessageId = MessageId, Turn = CurrentTurn, Seq = NextSeq, Status = MessageStatus.Interrupted, ErrorCode = "ModelStreamError", Message = "The model stream failed.", Retryable = true, Length = text.Length, Checksum = TextChecksum.Of(text) },
            _ => new TurnCancelled { ConversationId = FakeChatServer.ConversationId, MessageId = MessageId, Turn = CurrentTurn, Seq = NextSeq, Length = text.Length, Checksum = TextChecksum.Of(text) },
        };
        Events.Add(e);
        return e;
    }

    /// <summary>Snapshot through the event at <see cref="CheckpointIndex"/>.</summary>
    public Message Snapshot()
    {
        var index = Math.Min(CheckpointIndex, Events.Count - 1);
        var text = StoredTextOverride ?? TextThrough(index);
        var last = index >= 0 ? Events[index] : null;
        var status = last switch
        {
            null => MessageStatus.Queued,
            TurnCompleted => MessageStatus.Completed,
            TurnFailed f => f.Status,
            TurnCancelled => MessageStatus.Cancelled,
            _ => MessageStatus.Streaming,
        };
        var final = MessageStatus.IsFinal(status);
        return new Message
        {
            MessageId = MessageId,
            Role = MessageRoles.Assistant,
            Text = text,
            Status = status,
            Turn = last?.Turn ?? 1,
            Seq = last?.Seq ?? -1,
            Offset = text.Length,
            StopReason = last is TurnCompleted c ? c.StopReason : null,
            Usage = last is TurnCompleted ? Usage : null,
            Error = last is TurnFailed tf ? new MessageError { Code = tf.ErrorCode, Message = tf.Message, Retryable = tf.Retryable } : null,
            Checksum = final ? TextChecksum.Of(text) : null,
        };
    }

    /// <summary>Checkpoint through the last event (the answer is final in storage).</summary>
    public void CheckpointAll() => CheckpointIndex = Events.Count - 1;
}
