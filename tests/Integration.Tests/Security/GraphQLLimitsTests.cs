using System.Text;
using System.Text.Json;

namespace AppSyncChat.Integration.Tests.Security;

/// <summary>
/// The GraphQL endpoint's limits (docs/security.md, "Limits"): a hostile document is answered with an
/// AppSync-shaped error before graphql-js parses, validates or executes it — never an engine error such as
/// "Maximum call stack size exceeded" — and nothing is stored or published.
/// </summary>
[Collection(SecurityStackCollection.Name)]
public sealed class GraphQLLimitsTests(SecurityStack stack)
{
    private const string Get = """getConversation(conversationId: "ffffffffffffffffffffffffffffffff")""";

    public static TheoryData<string, string, int, string, string> Requests() => new()
    {
        // name, request body, HTTP status, errorType, message fragment
        { "5,000 levels deep", Body("query { " + Get + string.Concat(Enumerable.Repeat(" { messages", 5_000)) + " { text" + new string('}', 5_002)), 200, "ValidationError", "the query depth limit is 20" },
        { "5,000 nested lists in an argument", Body("query { " + Get.Replace("\"ffffffffffffffffffffffffffffffff\"", new string('[', 5_000) + "1" + new string(']', 5_000), StringComparison.Ordinal) + " { title } }"), 200, "ValidationError", "the query depth limit is 20" },
        { "21 fields deep", Body("query { " + Get + string.Concat(Enumerable.Repeat(" { messages", 19)) + " { text" + new string('}', 21)), 200, "ValidationError", "more than 20 fields deep" },
        { "11 aliased root fields", Body("query { " + string.Join(' ', Enumerable.Range(0, 11).Select(i => $"a{i}: {Get} {{ title }}")) + " }"), 200, "ValidationError", "the resolver count limit is 10" },
        { "2,000 aliases of one nested field", Body("query { " + Get + " { messages { " + string.Join(' ', Enumerable.Range(0, 2_000).Select(i => $"a{i}: text")) + " } } }"), 200, "ValidationError", "the limit is 1000" },
        { "a fragment bomb (2^20 expansions)", Body("query { " + Get + " { ...F0 } } " + string.Join(' ', Enumerable.Range(0, 20).Select(i => $"fragment F{i} on Conversation {{ ...F{i + 1} ...F{i + 1} }}")) + " fragment F20 on Conversation { title }"), 200, "ValidationError", "the limit is 1000" },
        { "20,000 tokens", Body("query { " + Get + " { " + string.Concat(Enumerable.Repeat("title ", 20_000)) + "} }"), 200, "ValidationError", "tokens; the limit is 15000" },
        { "a body over 1 MB", Body("query { listConversations { nextToken } }", new string('x', 1_100_000)), 413, "BadRequestException", "the limit of 1048576 bytes" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task HostileDocument_AppSyncErrorBeforeTheEngine(string name, string body, int status, string errorType, string fragment)
    {
        await stack.WaitForQuietOnceAsync();
        var before = await stack.SnapshotAsync();

        var response = await stack.PostRawAsync(body, stack.ApiKey);

        Assert.True(response.Status == status, $"{name}: HTTP {response.Status} {response.Body[..Math.Min(300, response.Body.Length)]}");
        var (type, message) = response.FirstError;
        Assert.Equal(errorType, type);
        Assert.Contains(fragment, message, StringComparison.Ordinal);
        Assert.DoesNotContain("call stack", response.Body, StringComparison.OrdinalIgnoreCase);
        await stack.AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_WithoutContentLength_413AndNothingStored()
    {
        var before = await stack.SnapshotAsync();

        var response = await stack.PostRawAsync(Body("query { listConversations { nextToken } }", new string('x', 1_100_000)), stack.Alice, chunked: true);

        Assert.Equal(413, response.Status);
        Assert.Equal("BadRequestException", response.FirstError.ErrorType);
        await stack.AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task HugeVariables_UnderTheBodyLimit_TheResolverRefusesTheTextAndStoresNothing()
    {
        var keys = await stack.TableKeysAsync();
        var text = new string('a', 900_000); // under 1 MB of body, far over the 32,000-character message limit

        var response = await stack.PostAsync(
            "mutation($input: SendMessageInput!) { sendMessage(input: $input) { conversationId } }",
            new { input = new { text, clientRequestId = "huge-variables-1" } },
            stack.ApiKey);

        Assert.Equal(200, response.Status);
        Assert.Equal(("ValidationError", true), (response.FirstError.ErrorType, response.FirstError.Message.Contains("the limit is 32000", StringComparison.Ordinal)));
        Assert.Equal(keys, await stack.TableKeysAsync());
    }

    [Fact]
    public async Task LegitimateDeepestQueries_StillAnswered()
    {
        // The explorer's introspection query (GraphiQL sends one like it) and the deepest query our clients send.
        var introspection = await stack.PostAsync(IntrospectionQuery, null, stack.ApiKey);
        var created = await stack.PostAsync(
            "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversationId settings { modelId } messages { usage { inputTokens } error { code } } } }",
            new { input = new { clientRequestId = "limits-legit-" + Guid.NewGuid().ToString("N")[..12] } },
            stack.Alice);

        Assert.True(introspection.Json.GetProperty("data").GetProperty("__schema").GetProperty("types").GetArrayLength() > 10, introspection.Body);
        Assert.Equal(JsonValueKind.String, created.Json.GetProperty("data").GetProperty("createConversation").GetProperty("conversationId").ValueKind);
    }

    private static string Body(string query, string? padding = null)
    {
        var body = new Dictionary<string, object?> { ["query"] = query };
        if (padding is not null)
        {
            body["variables"] = new Dictionary<string, string> { ["padding"] = padding };
        }

        return JsonSerializer.Serialize(body);
    }

    /// <summary>graphql-js's getIntrospectionQuery() with descriptions, as GraphiQL 3 asks it (TypeRef nests ofType nine levels).</summary>
    private static readonly string IntrospectionQuery = new StringBuilder()
        .Append("query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name } ")
        .Append("types { ...FullType } directives { name description locations args { ...InputValue } } } } ")
        .Append("fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason } ")
        .Append("inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } } ")
        .Append("fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue } ")
        .Append("fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } } }")
        .ToString();
}
