using System.Text;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Streaming;
using AppSyncChat.Conversations.Table;
using AppSyncChat.Worker.Configuration;
using AppSyncChat.Worker.Tests.Fakes;
using AppSyncChat.Worker.Turns;
using Microsoft.Extensions.AI;
using static AppSyncChat.Worker.Tests.Fakes.ModelStep;

namespace AppSyncChat.Worker.Tests.Turns;

/// <summary>An answer never outgrows the DynamoDB item it is stored in.</summary>
public sealed class AnswerSizeTests
{
    [Fact]
    public async Task AnAnswerPastTheItemLimit_IsCutAtTheCap_EndsInterruptedAnswerTooLarge_AndStopsTheModel()
    {
        // 120 deltas of 4,000 characters (480,000 bytes) — more than a 400 KB item; the model would go on.
        var piece = new string('x', 3_999) + " ";
        var script = Enumerable.Range(0, 120).Select(_ => Text(piece)).Append(Finish(ChatFinishReason.Stop)).ToArray();
        var h = new TurnHarness(new FakeChatClient(script, [Text("a second call must not happen")]));

        var result = await h.RunAsync();

        Assert.Equal(MessageStatus.Interrupted, result.Status);
        Assert.Equal(TurnResultKind.Finished, result.Kind);
        Assert.False(result.RetryRecord);
        Assert.Equal(1, h.Chat.Calls);
        Assert.True(h.Chat.SawCancellation, "the model stream is cancelled at the cap (billing stops)");
        var stored = h.Store.Outcome!;
        Assert.Equal(ItemLimits.MaxMessageTextBytes, Encoding.UTF8.GetByteCount(stored.Text));
        Assert.Equal(TurnErrorCodes.AnswerTooLarge, stored.Error!.Code);
        Assert.False(stored.Error.Retryable);
        var viewer = Viewer.Replay(h.Events);
        var failed = Assert.IsType<TurnFailed>(viewer.Terminal);
        Assert.Equal((TurnErrorCodes.AnswerTooLarge, MessageStatus.Interrupted, false), (failed.ErrorCode, failed.Status, failed.Retryable));
        Assert.Equal(stored.Text, viewer.Text);
        Assert.All(h.Store.CheckpointsSnapshot(), c => Assert.True(Encoding.UTF8.GetByteCount(c.Text) <= ItemLimits.MaxMessageTextBytes));
    }

    [Fact]
    public async Task TheCap_CountsEveryToolRound_AndNeverSplitsASurrogatePair()
    {
        // Cap 20 bytes: "abc" (3) + round two "😀😀😀😀😀" (4 bytes each): 3 + 16 = 19 fits, the fifth emoji does not.
        var h = new TurnHarness(
            new FakeChatClient(
                [Text("abc"), Call("call-1", "calculate", new Dictionary<string, object?> { ["expression"] = "1+1" }), Finish(ChatFinishReason.ToolCalls)],
                [Text("😀😀"), Text("😀😀\ud83d"), Text("\ude00 and more"), Finish(ChatFinishReason.Stop)]),
            new TurnOptions { AnswerMaxBytes = 20 });

        var result = await h.RunAsync();

        Assert.Equal(MessageStatus.Interrupted, result.Status);
        Assert.Equal("abc😀😀😀😀", h.Store.Outcome!.Text);
        Assert.Equal(TurnErrorCodes.AnswerTooLarge, h.Store.Outcome.Error!.Code);
        Assert.Equal(h.Store.Outcome.Text, Viewer.Replay(h.Events).Text);
    }

    [Fact]
    public async Task APairSplitAcrossPieces_IsKeptWhole_AtTheCut()
    {
        // Cap 7: "ab" (2) + a pair whose high half ends one piece (4 reserved) = 6; its low half completes it; "c" is cut.
        var h = new TurnHarness(new FakeChatClient([Text("ab\ud83d"), Text("\ude00cd"), Finish(ChatFinishReason.Stop)]), new TurnOptions { AnswerMaxBytes = 7 });

        await h.RunAsync();

        Assert.Equal("ab😀c", h.Store.Outcome!.Text);
        Assert.Equal(7, Encoding.UTF8.GetByteCount(h.Store.Outcome.Text));
        Assert.Equal(TurnErrorCodes.AnswerTooLarge, h.Store.Outcome.Error!.Code);
    }

    [Fact]
    public async Task AnAnswerThatFitsExactly_Completes()
    {
        var h = new TurnHarness(new FakeChatClient([Text("12345"), Text("67890"), Finish(ChatFinishReason.Stop)]), new TurnOptions { AnswerMaxBytes = 10 });

        var result = await h.RunAsync();

        Assert.Equal(MessageStatus.Completed, result.Status);
        Assert.Equal("1234567890", h.Store.Outcome!.Text);
    }
}
