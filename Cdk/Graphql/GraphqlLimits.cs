namespace AppSyncChat.Cdk.Graphql;

/// <summary>
/// The GraphQL API's query limits (AppSync <c>queryDepthLimit</c>, 1–75, and <c>resolverCountLimit</c>, 1–10,000;
/// docs/aws-protocols.md §7.4). The Local GraphQL endpoint enforces the same values
/// (<c>Local/sidecar/lib/graphql/limits.mjs</c>); <c>tests/Cdk.Tests/GraphqlLimitsTests</c> keeps them equal.
/// Our deepest query is 4 fields deep and GraphiQL's introspection query 13; every client request has one root field.
/// </summary>
public static class GraphqlLimits
{
    public const int QueryDepthLimit = 20;

    /// <summary>Each root field is one Api invocation (nested fields have no resolver).</summary>
    public const int ResolverCountLimit = 10;
}
