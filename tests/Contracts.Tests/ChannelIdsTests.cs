using AppSyncChat.Contracts.Channels;

namespace AppSyncChat.Contracts.Tests;

public sealed class ChannelIdsTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("c0ffee00c0ffee00c0ffee00c0ffee00")]
    [InlineData("my-conversation-1")]
    [InlineData("ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ")] // exactly 50
    public void IsValid_SegmentRule_Accepts(string id) => Assert.True(ChannelIds.IsValid(id));

    [Theory]
    [InlineData("")]
    [InlineData("-leading")]
    [InlineData("trailing-")]
    [InlineData("has space")]
    [InlineData("has/slash")]
    [InlineData("under_score")]
    [InlineData("wild*")]
    [InlineData("ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJK")] // 51
    [InlineData("é")]
    public void IsValid_OutsideSegmentRule_RejectsWithReason(string id)
    {
        Assert.False(ChannelIds.IsValid(id));
        Assert.NotNull(ChannelIds.Explain(id));
    }

    [Fact]
    public void NewId_AlwaysValid() => Assert.True(ChannelIds.IsValid(ChannelIds.NewId()));

    [Fact]
    public void ForConversation_ValidId_BuildsChatChannel() =>
        Assert.Equal("/chat/abc-1", ChatChannels.ForConversation("abc-1"));

    [Fact]
    public void ForConversation_InvalidId_Throws() =>
        Assert.Throws<ArgumentException>(() => ChatChannels.ForConversation("../etc"));

    [Fact]
    public void Schema_EmbeddedText_DeclaresEveryRootField()
    {
        var schema = Schema.ReadText();

        foreach (var field in new[] { "sendMessage(", "stopGeneration(", "regenerate(", "createConversation(", "getConversation(", "listConversations(" })
        {
            Assert.Contains(field, schema, StringComparison.Ordinal);
        }
    }
}
