using AppSyncChat.Api.Errors;

namespace AppSyncChat.Api.Tests.Resolver;

/// <summary>
/// One bad request to a root field: its arguments (the resolver event's <c>arguments</c>, also usable as the
/// GraphQL variables of the field's operation), the <c>errorType</c> it must get, and a fragment of the
/// resolver's message. <see cref="ResolverOnly"/>: over GraphQL the case would be a different request (an
/// undeclared variable is ignored; an Int is coerced to an ID), so it is sent only as a resolver event.
/// </summary>
public sealed record BadInputCase(string Parent, string Field, string Arguments, string ErrorType, string Fragment, bool ResolverOnly = false)
{
    public override string ToString() => $"{Parent}.{Field} {Arguments[..Math.Min(Arguments.Length, 90)]}";
}

/// <summary>
/// The table of bad inputs, shared by the resolver tests (<c>tests/Api.Tests</c>, <c>BadInputTests</c>: each case
/// as an AppSync resolver event) and the HTTP tests (<c>tests/Integration.Tests/Security</c>: each case as a GraphQL
/// request to the Local stack). Every case must get its typed error and store nothing.
/// </summary>
public static class BadInputCases
{
    private static readonly string LongText = new('a', 32_001);

    /// <summary>Ids that try to leave <c>/chat/&lt;id&gt;</c>, match several channels, or hide in Unicode.</summary>
    public static readonly IReadOnlyList<string> HostileIds =
    [
        "*", "/", "..", "%2F", "a/b", "../chat", "chat/x", "a*", "abc%2Fdef", "\\u0000", "c\\u202Ed", "c\\u200Bd", "\\uFEFFc",
        "\\uFF43\\uFF11", "\\u0441\\u0031", "c\\nd", "c d", "\\ud800", "c\\uD83D\\uDE00", "-c", "c-", new string('x', 51),
    ];

    public static IEnumerable<BadInputCase> All() => Fixed.Concat(ForHostileIds());

    private static IEnumerable<BadInputCase> ForHostileIds()
    {
        foreach (var id in HostileIds)
        {
            yield return new("Query", "getConversation", $$"""{"conversationId":"{{id}}"}""", nameof(ValidationError), "conversationId");
            yield return new("Mutation", "stopGeneration", $$$"""{"input":{"conversationId":"c1","messageId":"{{{id}}}"}}""", nameof(ValidationError), "input.messageId");
            yield return new("Mutation", "sendMessage", $$$"""{"input":{"text":"hi","clientRequestId":"r1","conversationId":"{{{id}}}"}}""", nameof(ValidationError), "input.conversationId");
            yield return new("Mutation", "createConversation", $$$"""{"input":{"clientRequestId":"{{{id}}}"}}""", nameof(ValidationError), "input.clientRequestId");
        }
    }

    private static readonly BadInputCase[] Fixed =
    [
        // parent, field, arguments, expected errorType, fragment of the message
        new("Mutation", "sendMessage", """{"input":{"text":"","clientRequestId":"r1"}}""", nameof(ValidationError), "input.text must not be empty"),
        new("Mutation", "sendMessage", """{"input":{"text":"  \n\t ","clientRequestId":"r1"}}""", nameof(ValidationError), "input.text must not be empty"),
        new("Mutation", "sendMessage", $$$"""{"input":{"text":"{{{LongText}}}","clientRequestId":"r1"}}""", nameof(ValidationError), "the limit is 32000"),
        new("Mutation", "sendMessage", """{"input":{"text":"bad \ud800 surrogate","clientRequestId":"r1"}}""", nameof(ValidationError), "unpaired UTF-16 surrogate"),
        new("Mutation", "sendMessage", """{"input":{"text":"nul \u0000 char","clientRequestId":"r1"}}""", nameof(ValidationError), "NUL"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi"}}""", nameof(ValidationError), "input.clientRequestId is required"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"has space"}}""", nameof(ValidationError), "input.clientRequestId may contain only"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"-dash"}}""", nameof(ValidationError), "input.clientRequestId"),
        new("Mutation", "sendMessage", $$$"""{"input":{"text":"hi","clientRequestId":"{{{new string('x', 51)}}}"}}""", nameof(ValidationError), "at most 50"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","conversationId":"../etc"}}""", nameof(ValidationError), "input.conversationId"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","colour":"blue"}}""", nameof(ValidationError), "input.colour is not a known field"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1"},"extra":1}""", nameof(ValidationError), "extra is not a known field", ResolverOnly: true),
        new("Mutation", "sendMessage", """{"input":{"text":42,"clientRequestId":"r1"}}""", nameof(ValidationError), "input.text must be a string"),
        new("Mutation", "sendMessage", """{}""", nameof(ValidationError), "input is required"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"temperature":1.5}}}""", nameof(ValidationError), "input.settings.temperature must be between 0 and 1"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"topP":-0.1}}}""", nameof(ValidationError), "input.settings.topP"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"maxTokens":0}}}""", nameof(ValidationError), "input.settings.maxTokens must be between 1 and 65536"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"maxTokens":1.5}}}""", nameof(ValidationError), "input.settings.maxTokens must be a 32-bit integer"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"modelId":"drop table;"}}}""", nameof(ValidationError), "input.settings.modelId"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"stream":true}}}""", nameof(ValidationError), "input.settings.stream is not a known field"),
        new("Mutation", "sendMessage", $$$$"""{"input":{"text":"hi","clientRequestId":"r1","settings":{"systemPrompt":"{{{{new string('s', 10_001)}}}}"}}}""", nameof(ValidationError), "input.settings.systemPrompt"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","conversationId":"ffffffffffffffffffffffffffffffff"}}""", nameof(NotFound), "was not found"),
        new("Mutation", "createConversation", """{}""", nameof(ValidationError), "input is required"),
        new("Mutation", "createConversation", """{"input":{"title":"Hi"}}""", nameof(ValidationError), "input.clientRequestId is required"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"has space"}}""", nameof(ValidationError), "input.clientRequestId may contain only"),
        new("Mutation", "createConversation", $$$"""{"input":{"clientRequestId":"{{{new string('x', 51)}}}"}}""", nameof(ValidationError), "at most 50"),
        new("Mutation", "createConversation", $$$"""{"input":{"clientRequestId":"r1","title":"{{{new string('t', 201)}}}"}}""", nameof(ValidationError), "input.title is 201 characters long; the limit is 200"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1","title":"nul \u0000 char"}}""", nameof(ValidationError), "input.title contains a NUL"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1","title":"bad \ud800 surrogate"}}""", nameof(ValidationError), "input.title contains an unpaired UTF-16 surrogate"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1","title":7}}""", nameof(ValidationError), "input.title must be a string"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1","conversationId":"c1"}}""", nameof(ValidationError), "input.conversationId is not a known field"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1"},"extra":1}""", nameof(ValidationError), "extra is not a known field", ResolverOnly: true),
        new("Mutation", "createConversation", $$$$"""{"input":{"clientRequestId":"r1","settings":{"systemPrompt":"{{{{new string('s', 10_001)}}}}"}}}""", nameof(ValidationError), "input.settings.systemPrompt is 10001 characters long; the limit is 10000"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":{"temperature":1.5}}}""", nameof(ValidationError), "input.settings.temperature must be between 0 and 1"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":{"topP":2}}}""", nameof(ValidationError), "input.settings.topP"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":{"maxTokens":65537}}}""", nameof(ValidationError), "input.settings.maxTokens must be between 1 and 65536"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":{"modelId":"drop table;"}}}""", nameof(ValidationError), "input.settings.modelId must be a Bedrock model id"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":{"stream":true}}}""", nameof(ValidationError), "input.settings.stream is not a known field"),
        new("Mutation", "stopGeneration", """{"input":{"conversationId":"c1"}}""", nameof(ValidationError), "input.messageId is required"),
        new("Mutation", "stopGeneration", """{"input":{"conversationId":"c1","messageId":"m#1"}}""", nameof(ValidationError), "input.messageId"),
        new("Mutation", "stopGeneration", """{"input":{"conversationId":"ffffffffffffffffffffffffffffffff","messageId":"m1"}}""", nameof(NotFound), "was not found"),
        new("Mutation", "regenerate", """{"input":{"conversationId":"c1"}}""", nameof(ValidationError), "input.clientRequestId is required"),
        new("Mutation", "regenerate", """{"input":{"conversationId":"ffffffffffffffffffffffffffffffff","clientRequestId":"r1"}}""", nameof(NotFound), "was not found"),
        new("Query", "getConversation", """{}""", nameof(ValidationError), "conversationId is required"),
        new("Query", "getConversation", """{"conversationId":"c1","messageLimit":0}""", nameof(ValidationError), "messageLimit must be between 1 and 1000"),
        new("Query", "getConversation", """{"conversationId":"ffffffffffffffffffffffffffffffff"}""", nameof(NotFound), "was not found"),
        new("Query", "listConversations", """{"limit":101}""", nameof(ValidationError), "limit must be between 1 and 100"),
        new("Query", "listConversations", """{"nextToken":"garbage"}""", nameof(ValidationError), "nextToken is not a token"),
        new("Query", "deleteEverything", """{}""", nameof(ValidationError), "Query.deleteEverything is not a field"),
        new("Mutation", "sendMessage", """{"input":{"text":"low \udc00 first","clientRequestId":"r1"}}""", nameof(ValidationError), "unpaired UTF-16 surrogate"),
        new("Mutation", "sendMessage", """{"input":{"text":"swapped \udc00\ud800 pair","clientRequestId":"r1"}}""", nameof(ValidationError), "unpaired UTF-16 surrogate"),
        new("Mutation", "sendMessage", """{"input":{"text":null,"clientRequestId":"r1"}}""", nameof(ValidationError), "input.text"),
        new("Mutation", "sendMessage", """{"input":{"text":["a"],"clientRequestId":"r1"}}""", nameof(ValidationError), "input.text"),
        new("Mutation", "sendMessage", """{"input":{"text":{"a":1},"clientRequestId":"r1"}}""", nameof(ValidationError), "input.text"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":7}}""", nameof(ValidationError), "input.clientRequestId", ResolverOnly: true), // likewise "7"
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"maxTokens":"10"}}}""", nameof(ValidationError), "input.settings.maxTokens"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"maxTokens":10000000000}}}""", nameof(ValidationError), "input.settings.maxTokens"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"temperature":"hot"}}}""", nameof(ValidationError), "input.settings.temperature"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"modelId":"../../../etc/passwd"}}}""", nameof(ValidationError), "input.settings.modelId"),
        new("Mutation", "sendMessage", """{"input":{"text":"hi","clientRequestId":"r1","settings":{"systemPrompt":"nul \u0000"}}}""", nameof(ValidationError), "input.settings.systemPrompt"),
        new("Mutation", "sendMessage", """{"input":"hi"}""", nameof(ValidationError), "input"),
        new("Mutation", "sendMessage", """{"input":null}""", nameof(ValidationError), "input"),
        new("Mutation", "createConversation", """{"input":{"clientRequestId":"r1","settings":"x"}}""", nameof(ValidationError), "input.settings"),
        new("Mutation", "stopGeneration", """{"input":{"conversationId":"*","messageId":"m1"}}""", nameof(ValidationError), "input.conversationId"),
        new("Mutation", "stopGeneration", """{"input":{"conversationId":"..","messageId":"m1"}}""", nameof(ValidationError), "input.conversationId"),
        new("Mutation", "regenerate", """{"input":{"conversationId":"a/b","clientRequestId":"r1"}}""", nameof(ValidationError), "input.conversationId"),
        new("Mutation", "regenerate", """{"input":{"conversationId":"%2F","clientRequestId":"r1"}}""", nameof(ValidationError), "input.conversationId"),
        new("Query", "getConversation", """{"conversationId":"c1","messageLimit":-1}""", nameof(ValidationError), "messageLimit"),
        new("Query", "getConversation", """{"conversationId":"c1","messageLimit":"5"}""", nameof(ValidationError), "messageLimit"),
        new("Query", "getConversation", """{"conversationId":42}""", nameof(ValidationError), "conversationId", ResolverOnly: true), // GraphQL coerces an Int to the ID "42"
        new("Query", "listConversations", """{"limit":0}""", nameof(ValidationError), "limit must be between 1 and 100"),
        new("Query", "listConversations", """{"nextToken":7}""", nameof(ValidationError), "nextToken"),
        new("Query", "listConversations", $$"""{"nextToken":"{{new string('t', 1_025)}}"}""", nameof(ValidationError), "nextToken"),
    ];
}
