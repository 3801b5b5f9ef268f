using System.Text.Json;
using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Resolver;
using AppSyncChat.Api.Tracing;
using AppSyncChat.Api.Turns;
using AppSyncChat.Api.Validation;
using AppSyncChat.Contracts.Channels;
using AppSyncChat.Conversations.Ids;

namespace AppSyncChat.Api.Tests.Units;

public sealed class MessageIdsTests
{
    [Fact]
    public void New_Always_TimeOrderedValidChannelSegment()
    {
        var at = new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

        var id = MessageIds.New(at);

        Assert.Equal(MessageIds.Length, id.Length);
        Assert.True(ChannelIds.IsValid(id));
        Assert.True(MessageIds.TryGetTimestamp(id, out var ms));
        Assert.Equal(at.ToUnixTimeMilliseconds(), ms);
        Assert.True(string.CompareOrdinal(id, MessageIds.New(at.AddMilliseconds(1))) < 0);
    }

    [Fact]
    public void NewAfter_PreviousFromTheFuture_SortsAfterIt()
    {
        var now = new DateTimeOffset(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);
        var future = MessageIds.New(now.AddSeconds(5)); // another instance's clock runs ahead

        var next = MessageIds.NewAfter(now, future);

        Assert.True(string.CompareOrdinal(future, next) < 0);
    }
}

public sealed class OwnersTests
{
    [Theory]
    [InlineData("null", "anonymous")]
    [InlineData("""{"sub":"abc","issuer":"x","claims":{}}""", "user:abc")]
    [InlineData("""{"cognitoIdentityId":"us-east-1:id","userArn":"arn:aws:sts::1:assumed-role/R/s"}""", "identity:us-east-1:id")]
    [InlineData("""{"cognitoIdentityId":null,"userArn":"arn:aws:iam::1:user/u"}""", "iam:arn:aws:iam::1:user/u")]
    public void FromIdentity_EachAuthMode_DistinctOwner(string identity, string owner)
    {
        using var document = JsonDocument.Parse(identity);

        Assert.Equal(owner, Owners.FromIdentity(document.RootElement));
    }

    [Theory]
    [InlineData("""{"resolverContext":{}}""")]
    [InlineData("""{"sub":""}""")]
    [InlineData("\"someone\"")]
    public void FromIdentity_NoUsableId_Unauthorized(string identity)
    {
        using var document = JsonDocument.Parse(identity);

        Assert.Throws<Unauthorized>(() => Owners.FromIdentity(document.RootElement));
    }
}

public sealed class TraceParentTests
{
    [Fact]
    public void Create_NothingIncoming_NewValidTraceparent()
    {
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-00$", TraceParent.Create(null, null));
    }

    [Theory]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")] // all-zero trace id is invalid
    [InlineData("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("garbage")]
    public void Create_InvalidHeader_FallsBackToXRay(string header)
    {
        Assert.StartsWith("00-5759e988bd862e3fe1be46a994272793-", TraceParent.Create(header, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0"), StringComparison.Ordinal);
    }
}

public sealed class TitleTests
{
    [Theory]
    [InlineData("Hello", "Hello")]
    [InlineData("  lots   of\n\nspace  ", "lots of space")]
    [InlineData("one two three four five six seven eight nine", "one two three four five six seven eight…")]
    public void Title_FirstWords(string text, string title) => Assert.Equal(title, TurnStarter.Title(text));

    [Fact]
    public void Title_OneHugeWord_CutTo60()
    {
        var title = TurnStarter.Title(new string('w', 500));

        Assert.Equal(60, title.Length);
        Assert.EndsWith("…", title, StringComparison.Ordinal);
    }
}

public sealed class InputsTests
{
    private static JsonElement Args(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void SendMessage_FullInput_Parsed()
    {
        var input = Inputs.SendMessage(Args("""{"input":{"conversationId":"c-1","text":"hi 👋","clientRequestId":"r-1","settings":{"modelId":"us.anthropic.claude-3-5-haiku-20241022-v1:0","maxTokens":100,"temperature":0,"topP":1,"systemPrompt":"Be brief."}}}"""));

        Assert.Equal(("c-1", "hi 👋", "r-1"), (input.ConversationId, input.Text, input.ClientRequestId));
        Assert.Equal(("us.anthropic.claude-3-5-haiku-20241022-v1:0", 100, 0f, 1f, "Be brief."), (input.Settings!.ModelId, input.Settings.MaxTokens!.Value, input.Settings.Temperature!.Value, input.Settings.TopP!.Value, input.Settings.SystemPrompt));
    }

    [Fact]
    public void SendMessage_NullOptionals_Accepted()
    {
        var input = Inputs.SendMessage(Args("""{"input":{"conversationId":null,"text":"x","clientRequestId":"r","settings":null}}"""));

        Assert.Null(input.ConversationId);
        Assert.Null(input.Settings);
    }

    [Fact]
    public void SendMessage_TextAtLimit_Accepted()
    {
        var text = new string('a', ApiLimits.MaxTextLength);

        Assert.Equal(text, Inputs.SendMessage(Args("{\"input\":{\"text\":\"" + text + "\",\"clientRequestId\":\"r\"}}")).Text);
    }

    [Fact]
    public void ListConversations_Defaults()
    {
        Assert.Equal(new ListConversationsInput(ApiLimits.DefaultListLimit, null), Inputs.ListConversations(default));
    }
}
