using System.Text.RegularExpressions;
using AppSyncChat.Cdk.Graphql;
using AppSyncChat.Testing;

namespace AppSyncChat.Cdk.Tests;

/// <summary>The deployed query limits, and that the Local GraphQL endpoint enforces the same numbers.</summary>
[Collection(StackCollection.Name)]
public sealed partial class GraphqlLimitsTests(StackFixture fixture)
{
    [Fact]
    public void GraphqlApi_QueryDepthAndResolverCountLimited()
    {
        var api = fixture.Single("AWS::AppSync::GraphQLApi");

        Assert.Equal(GraphqlLimits.QueryDepthLimit, api.GetProperty("QueryDepthLimit").GetInt32());
        Assert.Equal(GraphqlLimits.ResolverCountLimit, api.GetProperty("ResolverCountLimit").GetInt32());
        Assert.InRange(GraphqlLimits.QueryDepthLimit, 1, 75); // AppSync's range
        Assert.InRange(GraphqlLimits.ResolverCountLimit, 1, 10_000);
    }

    [Fact]
    public void LocalEndpoint_EnforcesTheDeployedLimits()
    {
        var limits = File.ReadAllText(Path.Combine(TestRepository.Root, "Local", "sidecar", "lib", "graphql", "limits.mjs"));

        Assert.Equal(GraphqlLimits.QueryDepthLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), Setting(limits, "queryDepthLimit"));
        Assert.Equal(GraphqlLimits.ResolverCountLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), Setting(limits, "resolverCountLimit"));
    }

    private static string Setting(string module, string name)
    {
        var match = Assert.Single(SettingLine().Matches(module), m => m.Groups["name"].Value == name);
        return match.Groups["value"].Value.Replace("_", string.Empty, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z]+): (?<value>[0-9_]+),", RegexOptions.Multiline)]
    private static partial Regex SettingLine();
}
