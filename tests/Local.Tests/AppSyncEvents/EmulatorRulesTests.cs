using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Local.AppSyncEvents;

namespace AppSyncChat.Local.Tests.AppSyncEvents;

/// <summary>The emulator's channel rules and IAM body rebuild, checked against the doc rules and the client's own signing body.</summary>
public sealed class EmulatorRulesTests
{
    [Theory]
    [InlineData("/default/a", "/default/a")]
    [InlineData("default/a/", "/default/a")]
    [InlineData("/a/b/c/d/e", "/a/b/c/d/e")]
    [InlineData("/a/b/c/d/e/f", null)]
    [InlineData("/default/-a", null)]
    [InlineData("/default/a-", null)]
    [InlineData("/default/*", null)]
    [InlineData("/default/a_b", null)]
    public void NormalizePublish_FollowsTheDocumentedRegex(string channel, string? expected) =>
        Assert.Equal(expected, EmulatorChannels.NormalizePublish(channel));

    [Theory]
    [InlineData("/default/*", true, "/default")]
    [InlineData("/default/a/*", true, "/default/a")]
    [InlineData("/default/a", true, null)]
    [InlineData("/*", false, null)]
    [InlineData("/default/*/a", false, null)]
    [InlineData("/a/b/c/d/e/*", false, null)]
    public void ParseSubscribe_WildcardOnlyAsLastSegment(string channel, bool valid, string? prefix)
    {
        var ok = EmulatorChannels.TryParseSubscribe(channel, out _, out var wildcard);
        Assert.Equal(valid, ok);
        Assert.Equal(prefix, wildcard);
        Assert.Equal(valid, EventsChannelRules.IsSubscribeChannel(channel)); // client and emulator agree
    }

    [Theory]
    [InlineData("/chat/c1")]
    [InlineData("/chat/\u00e9\U0001F600")]
    [InlineData("q\"\\\n\t\u0001/<>&'")]
    public void SignedBody_EmulatorRebuildMatchesClientSigningBody(string text)
    {
        Assert.Equal(EventsSigningBody.Subscribe(text), EmulatorWire.SignedBody(text, null));
        Assert.Equal(EventsSigningBody.Publish(text, [text, "{\"a\":\"\u2028\"}"]), EmulatorWire.SignedBody(text, [text, "{\"a\":\"\u2028\"}"]));
    }
}
