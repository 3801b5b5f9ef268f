namespace AppSyncChat.Integration.Tests.Fixtures;

/// <summary>The fixture itself: the stack is up, on loopback, and the endpoints file matches it.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class LocalStackFixtureTests(LocalStackFixture fixture)
{
    [Fact]
    public async Task Fixture_Started_GraphQLAnswersWithTheApiKey()
    {
        var response = await fixture.PostGraphQLAsync("{ __typename }");

        Assert.Equal(200, response.Status);
        Assert.Equal("Query", response.Data?.GetProperty("__typename").GetString());
    }

    [Fact]
    public void Fixture_Started_EveryEndpointIsLoopbackAndTheFileMatches()
    {
        var written = Local.Hosting.LocalStackEndpoints.FromJson(File.ReadAllText(fixture.EndpointsFilePath));

        Assert.Equal(fixture.Endpoints.GraphqlUrl, written.GraphqlUrl);
        foreach (var url in new[] { written.GraphqlUrl, written.DynamoDbUrl, written.SqsUrl, written.EventsHttpUrl, written.BedrockUrl, written.LambdaUrl, written.QueueUrl })
        {
            Assert.NotNull(url);
            Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);
        }

        Assert.StartsWith("ws://127.0.0.1:", written.EventsRealtimeUrl, StringComparison.Ordinal);
    }
}
