using System.Text.RegularExpressions;

namespace AppSyncChat.Cdk.Tests;

/// <summary>
/// The deployed schema's auth directives (docs/security.md): API-key callers may use every field but
/// <c>listConversations</c>, which only signed-in callers (Cognito, IAM) may call.
/// </summary>
[Collection(StackCollection.Name)]
public sealed partial class GraphqlAuthTests(StackFixture fixture)
{
    [Fact]
    public void DeployedSchema_ListConversationsExcludesTheApiKey_EveryOtherRootFieldAllowsIt()
    {
        var schema = fixture.Single("AWS::AppSync::GraphQLSchema").GetProperty("Definition").GetString()!;

        var list = Assert.Single(FieldLine().Matches(schema), m => m.Groups["name"].Value == "listConversations");
        Assert.Equal(["@aws_cognito_user_pools", "@aws_iam"], Directives(list.Groups["directives"].Value));
        foreach (var type in new[] { "Query", "Mutation" })
        {
            var declaration = Assert.Single(TypeLine().Matches(schema), m => m.Groups["name"].Value == type);
            Assert.Contains("@aws_api_key", Directives(declaration.Groups["directives"].Value));
        }

        // Only listConversations overrides its type's modes.
        Assert.Single(FieldLine().Matches(schema), m => m.Groups["directives"].Value.Contains("@aws_", StringComparison.Ordinal));
    }

    [Fact]
    public void GraphqlApi_ApiKeyIsAnAdditionalModeBesideCognitoAndIam()
    {
        var api = fixture.Single("AWS::AppSync::GraphQLApi");

        Assert.Equal("AMAZON_COGNITO_USER_POOLS", api.GetProperty("AuthenticationType").GetString());
        Assert.Contains("API_KEY", api.GetProperty("AdditionalAuthenticationProviders").EnumerateArray().Select(p => p.GetProperty("AuthenticationType").GetString()));
    }

    private static string[] Directives(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A field line of a type body: <c>name(args): Type! @directives</c>.</summary>
    [GeneratedRegex(@"^\s+(?<name>[A-Za-z_]\w*)(\([^)]*\))?\s*:\s*[^@\n]*?(?<directives>(@\w+\s*)*)$", RegexOptions.Multiline)]
    private static partial Regex FieldLine();

    [GeneratedRegex(@"^type\s+(?<name>\w+)\s*(?<directives>(@\w+\s*)*)\{", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
