using System.Reflection;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Testing;

namespace AppSyncChat.Client.Tests.CatchUp;

/// <summary>
/// Every stream event type the contract defines is understood by the .NET catch-up: its golden file parses
/// into its own record (not the plain envelope that stands for an unknown type), and
/// <see cref="MessageTimeline"/> acts on it instead of skipping it as unknown. Adding a type to
/// <see cref="StreamEventTypes"/> without a golden file and a case in <c>MessageTimeline.Apply</c> fails here
/// (<c>docs/architecture.md</c>, "A new stream event type").
/// </summary>
public sealed class StreamEventHandlingTests
{
    private static string[] TypeNames() =>
        typeof(StreamEventTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal)
            .ToArray();

    public static TheoryData<string> Names => new(TypeNames());

    [Fact]
    public void TheContractDefinesTypes()
    {
        Assert.NotEmpty(TypeNames());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GoldenEvent_IsParsedAsItsOwnType(string type)
    {
        var parsed = ConversationFollower.ParseEvent(ReadGolden(type));

        Assert.NotNull(parsed);
        Assert.NotEqual(typeof(StreamEvent), parsed.GetType());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GoldenEvent_IsHandledByTheTimeline_NotSkippedAsUnknown(string type)
    {
        var golden = ConversationFollower.ParseEvent(ReadGolden(type))!;
        Assert.NotNull(golden);

        // Put the event right after a snapshot of an empty, streaming message of its turn, so the timeline
        // applies it now (seq 1 follows the snapshot's seq 0) instead of holding it for a missing one.
        var timeline = new MessageTimeline(golden.ConversationId, golden.MessageId);
        var output = new List<ChatUpdate>();
        timeline.ApplySnapshot(
            new Message { MessageId = golden.MessageId, Role = MessageRoles.Assistant, Status = MessageStatus.Streaming, Turn = golden.Turn, Seq = 0, Text = "" },
            ResyncReason.Joined,
            output);
        output.Clear();

        timeline.Offer(golden with { Seq = 1 }, output);

        Assert.Equal(0, timeline.UnknownIgnored);
        Assert.True(
            output.Count > 0 || timeline.NeedsSnapshot is not null,
            $"MessageTimeline neither produced an update nor asked for a snapshot for '{type}'.");
    }

    private static string ReadGolden(string type)
    {
        var path = Path.Combine(TestRepository.Root, "tests", "Contracts.Tests", "Resources", "golden", type + ".json");
        Assert.True(File.Exists(path), $"No golden file for '{type}': add tests/Contracts.Tests/Resources/golden/{type}.json.");
        return File.ReadAllText(path);
    }
}
