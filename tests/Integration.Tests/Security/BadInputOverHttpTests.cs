using System.Text.Json;
using AppSyncChat.Api.Tests.Resolver;

namespace AppSyncChat.Integration.Tests.Security;

/// <summary>
/// Hostile and malformed GraphQL requests over real HTTP to the Local stack: the shared resolver table
/// (<see cref="BadInputCases"/>, each case as the field's operation with the case's arguments as variables)
/// plus requests only HTTP can carry (syntax, protocol, auth, sizes, depth, aliases). Each one gets a typed
/// error — an AppSync <c>errorType</c> and a message, never an engine error or a 500 — and nothing is stored
/// (the table's keys) or published (the Events emulator's counters).
/// </summary>
[Collection(SecurityStackCollection.Name)]
public sealed class BadInputOverHttpTests(SecurityStack stack)
{
    /// <summary>Each field's operation, declaring every argument, so a case's arguments are exactly its variables.</summary>
    private static readonly Dictionary<string, string> Operations = new(StringComparer.Ordinal)
    {
        ["sendMessage"] = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { conversationId } }",
        ["createConversation"] = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversationId } }",
        ["stopGeneration"] = "mutation($input: StopGenerationInput!) { stopGeneration(input: $input) { status } }",
        ["regenerate"] = "mutation($input: RegenerateInput!) { regenerate(input: $input) { conversationId } }",
        ["getConversation"] = "query($conversationId: ID!, $messageLimit: Int) { getConversation(conversationId: $conversationId, messageLimit: $messageLimit) { conversationId } }",
        ["listConversations"] = "query($limit: Int, $nextToken: String) { listConversations(limit: $limit, nextToken: $nextToken) { nextToken } }",
    };

    private const string Get = """getConversation(conversationId: \"ffffffffffffffffffffffffffffffff\")""";

    /// <summary>name, raw body, caller (<see cref="CallerFor"/>), HTTP status, errorType.</summary>
    public static TheoryData<string, string, string, int, string> Cases()
    {
        var data = new TheoryData<string, string, string, int, string>();
        foreach (var bad in BadInputCases.All().Where(c => !c.ResolverOnly))
        {
            var operation = Operations.GetValueOrDefault(bad.Field, $"{bad.Parent.ToLowerInvariant()} {{ {bad.Field} }}");
            data.Add(bad.ToString(), $$"""{"query":{{JsonSerializer.Serialize(operation)}},"variables":{{bad.Arguments}}}""", "alice", 200, bad.ErrorType);
        }

        foreach (var (name, body, caller, status, errorType) in HttpOnly())
        {
            data.Add(name, body, caller, status, errorType);
        }

        return data;
    }

    private static IEnumerable<(string Name, string Body, string Caller, int Status, string ErrorType)> HttpOnly()
    {
        static string Q(string query) => $$"""{"query":"{{query}}"}""";
        const string Ok = """{"query":"{ listConversations { nextToken } }"}""";

        // The request itself.
        yield return ("body not JSON", """{"query": """, "alice", 400, "BadRequestException");
        yield return ("empty body", "", "alice", 400, "BadRequestException");
        yield return ("body is an array", "[]", "alice", 400, "BadRequestException");
        yield return ("body is a string", "\"query\"", "alice", 400, "BadRequestException");
        yield return ("query is a number", """{"query":5}""", "alice", 400, "BadRequestException");
        yield return ("no query", """{"variables":{}}""", "alice", 400, "BadRequestException");
        yield return ("variables not an object", """{"query":"{ listConversations { nextToken } }","variables":"x"}""", "alice", 400, "BadRequestException");
        yield return ("extensions not an object", """{"query":"{ listConversations { nextToken } }","extensions":5}""", "alice", 400, "BadRequestException");
        yield return ("text/plain body", "text/plain:" + Ok, "alice", 415, "BadRequestException");
        yield return ("JSON nested 100,000 deep", "{\"query\":" + new string('[', 100_000) + new string(']', 100_000) + "}", "alice", 400, "BadRequestException");

        // Auth.
        yield return ("no credentials", Ok, "none", 401, "UnauthorizedException");
        yield return ("wrong API key", Ok, "wrong-key", 401, "UnauthorizedException");
        yield return ("unknown bearer token", Ok, "wrong-token", 401, "UnauthorizedException");
        yield return ("SigV4 header", Ok, "sigv4", 401, "UnauthorizedException");

        // The document.
        yield return ("unterminated string", Q("{ getConversation(conversationId: \\\"x) { title } }"), "alice", 200, "ValidationError");
        yield return ("missing brace", Q("{ listConversations { nextToken }"), "alice", 200, "ValidationError");
        yield return ("unknown field", Q("{ deleteEverything }"), "alice", 200, "ValidationError");
        yield return ("unknown variable type", Q("query($a: Nope) { listConversations { nextToken } }"), "alice", 200, "ValidationError");
        yield return ("two anonymous operations", Q("{ listConversations { nextToken } } { listConversations { nextToken } }"), "alice", 200, "ValidationError");
        yield return ("operationName not in the document", """{"query":"query A { listConversations { nextToken } }","operationName":"B"}""", "alice", 200, "ValidationError");
        yield return ("subscription", Q("subscription { x }"), "alice", 200, "ValidationError");
        yield return ("undefined variable", Q("{ getConversation(conversationId: $x) { title } }"), "alice", 200, "ValidationError");
        yield return ("variable of the wrong type", """{"query":"query($id: Int) { getConversation(conversationId: $id) { title } }","variables":{"id":5}}""", "alice", 200, "ValidationError");
        yield return ("NUL in the document", Q("{ listConversations \\u0000 { nextToken } }"), "alice", 200, "ValidationError");
        yield return ("lone surrogate in a string literal", Q("{ getConversation(conversationId: \\\"\\ud800\\\") { title } }"), "alice", 200, "ValidationError");
        yield return ("bidi override in a name", Q("{ get\\u202eConversation { title } }"), "alice", 200, "ValidationError");
        yield return ("zero-width space in a name", Q("{ get\\u200bConversation { title } }"), "alice", 200, "ValidationError");
        yield return ("wildcard id as a literal", Q("{ getConversation(conversationId: \\\"*\\\") { title } }"), "alice", 200, "ValidationError");
        yield return ("escaping id as a literal", Q("{ getConversation(conversationId: \\\"../../chat\\\") { title } }"), "alice", 200, "ValidationError");
        yield return ("fragment cycle", Q("{ " + Get + " { ...A } } fragment A on Conversation { ...B } fragment B on Conversation { ...A }"), "alice", 200, "ValidationError");
        yield return ("mutation over GET", "GET:?query=" + Uri.EscapeDataString("mutation { stopGeneration(input: {conversationId: \"a\", messageId: \"b\"}) { status } }"), "alice", 405, "BadRequestException");

        // Sizes, depth and aliases.
        yield return ("5,000 levels deep", Q("{ " + Get + string.Concat(Enumerable.Repeat(" { messages", 5_000)) + " { text" + new string('}', 5_002)), "alice", 200, "ValidationError");
        yield return ("21 fields deep", Q("{ " + Get + string.Concat(Enumerable.Repeat(" { messages", 19)) + " { text" + new string('}', 21)), "alice", 200, "ValidationError");
        yield return ("11 root aliases", Q("{ " + string.Join(' ', Enumerable.Range(0, 11).Select(i => $"a{i}: {Get} {{ title }}")) + " }"), "alice", 200, "ValidationError");
        yield return ("2,000 nested aliases", Q("{ " + Get + " { messages { " + string.Join(' ', Enumerable.Range(0, 2_000).Select(i => $"a{i}: text")) + " } } }"), "alice", 200, "ValidationError");
        yield return ("20,000 tokens", Q("{ " + Get + " { " + string.Concat(Enumerable.Repeat("title ", 20_000)) + "} }"), "alice", 200, "ValidationError");
        yield return ("body over 1 MiB", "{\"query\":\"{ listConversations { nextToken } }\",\"variables\":{\"x\":\"" + new string('x', 1_100_000) + "\"}}", "alice", 413, "BadRequestException");
        yield return ("900 KB message text", "{\"query\":\"mutation($input: SendMessageInput!) { sendMessage(input: $input) { conversationId } }\",\"variables\":{\"input\":{\"text\":\"" + new string('a', 900_000) + "\",\"clientRequestId\":\"huge-1\"}}}", "alice", 200, "ValidationError");
        yield return ("50,000 unused variables", "{\"query\":\"query($id: ID!) { getConversation(conversationId: $id) { title } }\",\"variables\":{\"id\":\"*\"," + string.Join(',', Enumerable.Range(0, 50_000).Select(i => $"\"v{i}\":{i}")) + "}}", "alice", 200, "ValidationError");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostileRequest_TypedErrorNothingStoredNothingPublished(string name, string body, string caller, int status, string errorType)
    {
        await stack.WaitForQuietOnceAsync();
        var before = await stack.SnapshotAsync();

        var response = await SendAsync(body, CallerFor(caller));

        Assert.True(response.Status == status, $"{name}: HTTP {response.Status}, expected {status}: {Head(response.Body)}");
        var errors = response.Json.GetProperty("errors");
        Assert.True(errors.GetArrayLength() > 0, $"{name}: no errors: {Head(response.Body)}");
        Assert.Equal(errorType, errors[0].GetProperty("errorType").GetString());
        Assert.False(string.IsNullOrWhiteSpace(errors[0].GetProperty("message").GetString()), name);
        Assert.DoesNotContain("call stack", response.Body, StringComparison.OrdinalIgnoreCase);
        if (response.Json.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
        {
            Assert.All(data.EnumerateObject(), field => Assert.Equal(JsonValueKind.Null, field.Value.ValueKind));
        }

        await stack.AssertUnchangedAsync(before);
    }

    [Fact]
    public void Table_HasAtLeastAHundredCases() => Assert.True(Cases().Count() >= 100, $"{Cases().Count()} cases");

    private Task<RawResponse> SendAsync(string body, Caller caller) => body switch
    {
        _ when body.StartsWith("text/plain:", StringComparison.Ordinal) => stack.PostRawAsync(body["text/plain:".Length..], caller, "text/plain"),
        _ when body.StartsWith("GET:", StringComparison.Ordinal) => stack.GetAsync(body["GET:".Length..], caller),
        _ => stack.PostRawAsync(body, caller),
    };

    private Caller CallerFor(string name) => name switch
    {
        "alice" => stack.Alice,
        "none" => new Caller(name, new Dictionary<string, string>()),
        "wrong-key" => new Caller(name, new Dictionary<string, string> { ["x-api-key"] = "da2-not-the-key" }),
        "wrong-token" => new Caller(name, new Dictionary<string, string> { ["authorization"] = "not-a-local-token" }),
        "sigv4" => new Caller(name, new Dictionary<string, string> { ["authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDLOCALAPPSYNCCHAT/20261206/us-east-1/appsync/aws4_request, SignedHeaders=host;x-amz-date, Signature=00" }),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown caller"),
    };

    private static string Head(string text) => text[..Math.Min(300, text.Length)];
}
