using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Tests.Fixtures;

namespace AppSyncChat.Api.Tests.Resolver;

/// <summary>A table of bad requests: each gets its typed error, a message naming the field, and nothing stored or enqueued.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class BadInputTests(DynaliteFixture dynalite) : ResolverTestBase(dynalite)
{
    private static readonly string LongText = new('a', 32_001);

    public static TheoryData<string, string, string, string, string> Cases() => new()
    {
        // parent, field, arguments, expected errorType, fragment of the message
        { "Mutation", "sendMessage", """{"input":{"text":"","clientRequestId":"r1"}}""", nameof(ValidationError), "input.text must not be empty" },
        { "Mutation", "sendMessage", """{"input":{"text":"  \n\t ","clientRequestId":"r1"}}""", nameof(ValidationError), "input.text must not be empty" },
        { "Mutation", "sendMessage", $$$"""{"input":{"text":"{{{LongText}}}","clientRequestId":"r1"}}""", nameof(ValidationError), "the limit is 32000" },
        { "Mutation", "sendMessage", """{"input":{"text":"bad \ud800 surrogate","clientRequestId":"r1"}}""", nameof(ValidationError), "unpaired UTF-16 surrogate" },
        { "Mutation", "sendMessage", """{"input":{"text":"nul \u0000 char","clientRequestId":"r1"}}""", nameof(ValidationError), "NUL" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi"}}""", nameof(ValidationError), "input.clientRequestId is required" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"has space"}}""", nameof(ValidationError), "input.clientRequestId may contain only" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"-dash"}}""", nameof(ValidationError), "input.clientRequestId" },
        { "Mutation", "sendMessage", $$$"""{"input":{"text":"hi","clientRequestId":"{{{new string('x', 51)}}}"}}""", nameof(ValidationError), "at most 50" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","conversationId":"../etc"}}""", nameof(ValidationError), "input.conversationId" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","colour":"blue"}}""", nameof(ValidationError), "input.colour is not a known field" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1"},"extra":1}""", nameof(ValidationError), "extra is not a known field" },
        { "Mutation", "sendMessage", """{"input":{"text":42,"clientRequestId":"r1"}}""", nameof(ValidationError), "input.text must be a string" },
        { "Mutation", "sendMessage", """{}""", nameof(ValidationError), "input is required" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"temperature":1.5}}}""", nameof(ValidationError), "input.settings.temperature must be between 0 and 1" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"topP":-0.1}}}""", nameof(ValidationError), "input.settings.topP" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"maxTokens":0}}}""", nameof(ValidationError), "input.settings.maxTokens must be between 1 and 65536" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"maxTokens":1.5}}}""", nameof(ValidationError), "input.settings.maxTokens must be a 32-bit integer" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"modelId":"drop table;"}}}""", nameof(ValidationError), "input.settings.modelId" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"stream":true}}}""", nameof(ValidationError), "input.settings.stream is not a known field" },
        { "Mutation", "sendMessage", $$$$"""{"input":{"text":"hi","clientRequestId":"r1","settings":{"systemPrompt":"{{{{new string('s', 10_001)}}}}"}}}""", nameof(ValidationError), "input.settings.systemPrompt" },
        { "Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","conversationId":"ffffffffffffffffffffffffffffffff"}}""", nameof(NotFound), "was not found" },
        { "Mutation", "createConversation", """{}""", nameof(ValidationError), "input is required" },
        { "Mutation", "createConversation", """{"input":{"title":"Hi"}}""", nameof(ValidationError), "input.clientRequestId is required" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"has space"}}""", nameof(ValidationError), "input.clientRequestId may contain only" },
        { "Mutation", "createConversation", $$$"""{"input":{"clientRequestId":"{{{new string('x', 51)}}}"}}""", nameof(ValidationError), "at most 50" },
        { "Mutation", "createConversation", $$$"""{"input":{"clientRequestId":"r1","title":"{{{new string('t', 201)}}}"}}""", nameof(ValidationError), "input.title is 201 characters long; the limit is 200" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"r1","title":"nul \u0000 char"}}""", nameof(ValidationError), "input.title contains a NUL" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"r1","title":"bad \ud800 surrogate"}}""", nameof(ValidationError), "input.title contains an unpaired UTF-16 surrogate" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"r1","title":7}}""", nameof(ValidationError), "input.title must be a string" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"r1","conversationId":"c1"}}""", nameof(ValidationError), "input.conversationId is not a known field" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"r1"},"extra":1}""", nameof(ValidationError), "extra is not a known field" },
        { "Mutation", "createConversation", $$$$"""{"input":{"clientRequestId":"r1","settings":{"systemPrompt":"{{{{new string('s', 10_001)}}}}"}}}""", nameof(ValidationError), "input.settings.systemPrompt is 10001 characters long; the limit is 10000" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":{"temperature":1.5}}}""", nameof(ValidationError), "input.settings.temperature must be between 0 and 1" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":{"topP":2}}}""", nameof(ValidationError), "input.settings.topP" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":{"maxTokens":65537}}}""", nameof(ValidationError), "input.settings.maxTokens must be between 1 and 65536" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":{"modelId":"drop table;"}}}""", nameof(ValidationError), "input.settings.modelId must be a Bedrock model id" },
        { "Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":{"stream":true}}}""", nameof(ValidationError), "input.settings.stream is not a known field" },
        { "Mutation", "stopGeneration", """{"input":{"conversationId":"c1"}}""", nameof(ValidationError), "input.messageId is required" },
        { "Mutation", "stopGeneration", """{"input":{"conversationId":"c1","messageId":"m#1"}}""", nameof(ValidationError), "input.messageId" },
        { "Mutation", "stopGeneration", """{"input":{"conversationId":"ffffffffffffffffffffffffffffffff","messageId":"m1"}}""", nameof(NotFound), "was not found" },
        { "Mutation", "regenerate", """{"input":{"conversationId":"c1"}}""", nameof(ValidationError), "input.clientRequestId is required" },
        { "Mutation", "regenerate", """{"input":{"conversationId":"ffffffffffffffffffffffffffffffff","clientRequestId":"r1"}}""", nameof(NotFound), "was not found" },
        { "Query", "getConversation", """{}""", nameof(ValidationError), "conversationId is required" },
        { "Query", "getConversation", """{"conversationId":"c1","messageLimit":0}""", nameof(ValidationError), "messageLimit must be between 1 and 1000" },
        { "Query", "getConversation", """{"conversationId":"ffffffffffffffffffffffffffffffff"}""", nameof(NotFound), "was not found" },
        { "Query", "listConversations", """{"limit":101}""", nameof(ValidationError), "limit must be between 1 and 100" },
        { "Query", "listConversations", """{"nextToken":"garbage"}""", nameof(ValidationError), "nextToken is not a token" },
        { "Query", "deleteEverything", """{}""", nameof(ValidationError), "Query.deleteEverything is not a field" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Resolver_BadInput_TypedErrorAndNothingStored(string parent, string field, string arguments, string errorType, string fragment)
    {
        var before = await TableSnapshotAsync();

        var error = await Assert.ThrowsAnyAsync<ApiException>(() => InvokeAsync(parent, field, arguments));

        Assert.Equal(errorType, error.ErrorType);
        Assert.Equal(errorType, error.GetType().Name);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await TableSnapshotAsync());
        Assert.Empty(Sqs.Sent);
    }

    [Fact]
    public async Task Resolver_NotAnAppSyncEvent_ValidationError()
    {
        var error = await Assert.ThrowsAsync<ValidationError>(() => InvokeRawAsync("""{"hello":"world"}"""));

        Assert.Contains("info.fieldName", error.Message, StringComparison.Ordinal);
    }
}
