using System.Text.Json;
using System.Text.Json.Nodes;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Contracts.Streaming;

namespace AppSyncChat.Contracts.Tests;

/// <summary>
/// The golden files under Resources/golden are the wire contract web and mobile clients code against:
/// each one must equal what we serialize, and must read back into the same value.
/// </summary>
public sealed class StreamEventGoldenTests
{
    private const string Conversation = "c0ffee00c0ffee00c0ffee00c0ffee00";
    private const string Message = "a5515a1700000000000000000000beef";

    public static TheoryData<string, StreamEvent> Events => new()
    {
        { "turn.started", new TurnStarted { ConversationId = Conversation, MessageId = Message, Turn = 1, Seq = 0, Offset = 0, ModelId = "anthropic.claude-3-haiku-20240307-v1:0", RequestedAtMs = 1795000000000 } },
        { "text.delta", new TextDelta { ConversationId = Conversation, MessageId = Message, Turn = 1, Seq = 1, Offset = 0, Text = "Hello, \"world\" é 🚀" } },
        { "tool.started", new ToolStarted { ConversationId = Conversation, MessageId = Message, Turn = 1, Seq = 2, ToolUseId = "tooluse_1", Name = "get_weather", Summary = "Looking up the weather in Paris" } },
        { "tool.finished", new ToolFinished { ConversationId = Conversation, MessageId = Message, Turn = 1, Seq = 3, ToolUseId = "tooluse_1", Name = "get_weather", Status = "success", DurationMs = 12 } },
        { "turn.completed", new TurnCompleted { ConversationId = Conversation, MessageId = Message, Turn = 1, Seq = 4, StopReason = "end_turn", Usage = new TokenUsage(10, 20, 30), Length = 19, Checksum = TextChecksum.Of("Hello, \"world\" é 🚀") } },
        { "turn.failed", new TurnFailed { ConversationId = Conversation, MessageId = Message, Turn = 1, Seq = 2, Status = "INTERRUPTED", ErrorCode = "ModelStreamError", Message = "The model stopped answering.", Retryable = true, Length = 5, Checksum = TextChecksum.Of("Hello") } },
        { "turn.cancelled", new TurnCancelled { ConversationId = Conversation, MessageId = Message, Turn = 2, Seq = 7, Length = 0, Checksum = TextChecksum.Of("") } },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void StreamEvent_Serialized_EqualsGoldenFile(string type, StreamEvent value)
    {
        var written = JsonSerializer.Serialize(value, ContractsJsonContext.Default.StreamEvent);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(ReadGolden(type)), JsonNode.Parse(written)), $"{type}: {written}");
        Assert.Equal(type, JsonNode.Parse(written)!["type"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void StreamEvent_GoldenFile_ReadsBackToSameValue(string type, StreamEvent value)
    {
        var read = JsonSerializer.Deserialize(ReadGolden(type), ContractsJsonContext.Default.StreamEvent);

        Assert.Equal(value.GetType(), read!.GetType());
        // Records compare by value; TokenUsage is a record too.
        Assert.Equal(value, read);
    }

    [Fact]
    public void StreamEvent_UnknownTypeAndFields_ReadAsPlainEnvelope()
    {
        const string future = """{"v":2,"type":"reasoning.delta","conversationId":"c1","messageId":"m1","turn":1,"seq":3,"text":"hmm","extra":{"a":1}}""";

        var read = JsonSerializer.Deserialize(future, ContractsJsonContext.Default.StreamEvent);

        Assert.Equal(typeof(StreamEvent), read!.GetType());
        Assert.Equal(3, read.Seq);
    }

    [Fact]
    public void StreamEvent_TypeNotFirst_StillRecognized()
    {
        const string json = """{"conversationId":"c1","messageId":"m1","turn":1,"seq":1,"offset":4,"text":"abc","type":"text.delta","v":1}""";

        var read = Assert.IsType<TextDelta>(JsonSerializer.Deserialize(json, ContractsJsonContext.Default.StreamEvent));

        Assert.Equal(4, read.Offset);
        Assert.Equal("abc", read.Text);
    }

    [Fact]
    public void ChatTurnRequest_Serialized_EqualsGoldenFile()
    {
        var request = new ChatTurnRequest
        {
            RequestId = "req-1",
            ConversationId = Conversation,
            UserMessageId = "0000000000000000000000000000u001",
            AssistantMessageId = Message,
            Turn = 1,
            Settings = new ModelSettings { ModelId = "anthropic.claude-3-haiku-20240307-v1:0", MaxTokens = 512, Temperature = 0.5f },
            TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            RequestedAtMs = 1795000000000,
        };

        var written = JsonSerializer.Serialize(request, ContractsJsonContext.Default.ChatTurnRequest);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(ReadGolden("chat-turn-request")), JsonNode.Parse(written)), written);
        Assert.Equal(request, JsonSerializer.Deserialize(written, ContractsJsonContext.Default.ChatTurnRequest));
    }

    private static string ReadGolden(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Resources", "golden", name + ".json"));
}
