using AppSyncChat.Aws.Lambda;
using AppSyncChat.Worker.Queue;
using AppSyncChat.Worker.Tests.Fakes;
using AppSyncChat.Worker.Tests.Turns;
using static AppSyncChat.Worker.Tests.Fakes.ModelStep;

namespace AppSyncChat.Worker.Tests.Queue;

/// <summary>
/// Hostile and malformed SQS message bodies through the Worker's batch handler: each record is reported in
/// <c>batchItemFailures</c> (so the queue's redrive policy moves it to the DLQ, <c>WorkerPoisonMessageTests</c>
/// shows that end to end), nothing is claimed, stored, generated or published, and the invocation itself
/// never fails. <c>tests/README.md</c> counts the rows.
/// </summary>
public sealed class PoisonBodyTableTests
{
    private const string Ids = "\"requestId\":\"r\",\"conversationId\":\"c1\",\"userMessageId\":\"u1\",\"assistantMessageId\":\"a1\"";

    private static string Valid(string replace, string with) =>
        ("{\"v\":1," + Ids + ",\"turn\":1}").Replace(replace, with, StringComparison.Ordinal);

    public static TheoryData<string, string> Bodies()
    {
        var data = new TheoryData<string, string>
        {
            // Malformed JSON.
            { "empty", "" },
            { "whitespace", "   \n" },
            { "not JSON", "hello" },
            { "truncated", "{\"v\":1,\"requestId\":\"r\",\"conversationId\":" },
            { "JSON null", "null" },
            { "JSON array", "[]" },
            { "JSON string", "\"{}\"" },
            { "JSON number", "42" },
            { "trailing garbage", Valid("}", "}}x") },
            { "NUL byte outside a string", "\u0000" + Valid("\"v\":1", "\"v\":1") },
            { "nested 10,000 deep", new string('[', 10_000) + new string(']', 10_000) },
            // Wrong types.
            { "turn as string", Valid("\"turn\":1", "\"turn\":\"1\"") },
            { "turn as float", Valid("\"turn\":1", "\"turn\":1.5") },
            { "turn overflow", Valid("\"turn\":1", "\"turn\":99999999999") },
            { "v as string", Valid("\"v\":1", "\"v\":\"1\"") },
            { "conversationId as number", Valid("\"conversationId\":\"c1\"", "\"conversationId\":7") },
            { "conversationId as object", Valid("\"conversationId\":\"c1\"", "\"conversationId\":{\"S\":\"c1\"}") },
            { "settings as string", Valid("\"turn\":1", "\"turn\":1,\"settings\":\"fast\"") },
            { "maxTokens as string", Valid("\"turn\":1", "\"turn\":1,\"settings\":{\"maxTokens\":\"10\"}") },
            // Missing fields and bad values.
            { "no requestId", Valid("\"requestId\":\"r\",", "") },
            { "no conversationId", Valid("\"conversationId\":\"c1\",", "") },
            { "no userMessageId", Valid("\"userMessageId\":\"u1\",", "") },
            { "no assistantMessageId", Valid(",\"assistantMessageId\":\"a1\"", "") },
            { "no turn", Valid(",\"turn\":1", "") },
            { "null conversationId", Valid("\"conversationId\":\"c1\"", "\"conversationId\":null") },
            { "empty requestId", Valid("\"requestId\":\"r\"", "\"requestId\":\"\"") },
            { "turn 0", Valid("\"turn\":1", "\"turn\":0") },
            { "turn negative", Valid("\"turn\":1", "\"turn\":-3") },
            // Unknown versions.
            { "version 0", Valid("\"v\":1", "\"v\":0") },
            { "version 2", Valid("\"v\":1", "\"v\":2") },
            { "version -1", Valid("\"v\":1", "\"v\":-1") },
            // Huge.
            { "requestId of 200,000 characters", Valid("\"requestId\":\"r\"", "\"requestId\":\"" + new string('r', 200_000) + "\"") },
            { "conversationId of 200,000 characters", Valid("\"conversationId\":\"c1\"", "\"conversationId\":\"" + new string('c', 200_000) + "\"") },
        };

        // Ids that try to leave /chat/<conversationId>, match several channels, or hide in Unicode.
        foreach (var id in new[] { "*", "/", "..", "../chat/x", "%2F", "a/b", "c\\u0000", "c\\u202Ed", "c\\u200Bd", "\\ud800", "c d", "-c" })
        {
            data.Add($"conversationId {id}", Valid("\"conversationId\":\"c1\"", $"\"conversationId\":\"{id}\""));
            data.Add($"assistantMessageId {id}", Valid("\"assistantMessageId\":\"a1\"", $"\"assistantMessageId\":\"{id}\""));
        }

        data.Add("userMessageId *", Valid("\"userMessageId\":\"u1\"", "\"userMessageId\":\"*\""));
        return data;
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task PoisonBody_FailedRecordNothingClaimedStoredOrPublished(string name, string body)
    {
        var h = new TurnHarness(new FakeChatClient([Text("should never be generated")]));
        var handler = new SqsBatchHandler(h.Processor, h.Log);
        var record = new SqsEventRecord
        {
            MessageId = "m-" + name,
            ReceiptHandle = "rh",
            Body = body,
            Attributes = new Dictionary<string, string> { ["ApproximateReceiveCount"] = "1" },
        };

        var response = await handler.HandleAsync(new SqsEvent([record]), h.Deadline, "inv-1", CancellationToken.None);

        Assert.Equal(["m-" + name], response.BatchItemFailures.Select(f => f.ItemIdentifier));
        Assert.Empty(h.Store.Claims);
        Assert.Empty(h.Store.Checkpoints);
        Assert.Null(h.Store.Outcome);
        Assert.Equal(0, h.Chat.Calls);
        Assert.Equal(0, h.Publisher.Count);
        Assert.Contains(h.Log.Lines, l => l.Message.Contains("Poison message", StringComparison.Ordinal));
    }

    [Fact]
    public void Table_HasTheKindsTheBriefNames() => Assert.True(Bodies().Count() >= 50, $"{Bodies().Count()} bodies");
}
