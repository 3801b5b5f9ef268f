using AppSyncChat.Client.Endpoints;

namespace AppSyncChat.Client.Tests.Endpoints;

public sealed class LocalEndpointsReaderTests
{
    [Fact]
    public void Parse_FileAsDocumentedInLocalReadme_ReadsWhatTheClientNeedsAndIgnoresTheRest()
    {
        var json = """
            {"schemaVersion":1,"region":"us-east-1","accessKeyId":"AKIDLOCALAPPSYNCCHAT","secretAccessKey":"local-secret-key-not-for-aws",
             "graphqlUrl":"http://127.0.0.1:4000/graphql","graphqlApiKey":"da2-localappsyncchatkey","explorerUrl":"http://127.0.0.1:4000/",
             "localUserToken":"local-user-token-appsyncchat","eventsHttpUrl":"http://127.0.0.1:4010/event",
             "eventsRealtimeUrl":"ws://127.0.0.1:4010/event/realtime","eventsApiKey":"da2-localappsyncchatkey","processId":1234,
             "futureField":{"nested":[1,2,3]}}
            """;
        var endpoints = LocalEndpointsReader.Parse(json, "/repo/.local/endpoints.json");

        Assert.Equal(new Uri("http://127.0.0.1:4000/graphql"), endpoints.GraphQLUrl);
        Assert.Equal("da2-localappsyncchatkey", endpoints.GraphQLApiKey);
        Assert.Equal(new Uri("ws://127.0.0.1:4010/event/realtime"), endpoints.EventsRealtimeUrl);
        Assert.Equal(new Uri("http://127.0.0.1:4010/event"), endpoints.EventsHttpUrl);
        Assert.Equal("local-user-token-appsyncchat", endpoints.LocalUserToken);
        Assert.Equal(1234, endpoints.ProcessId);
        Assert.Equal("us-east-1", endpoints.Region);
    }

    [Fact]
    public void Parse_MissingFields_LeavesThemNull()
    {
        var endpoints = LocalEndpointsReader.Parse("""{"graphqlUrl":"http://127.0.0.1:4000/graphql"}""");

        Assert.NotNull(endpoints.GraphQLUrl);
        Assert.Null(endpoints.EventsHttpUrl);
        Assert.Null(endpoints.GraphQLApiKey);
        Assert.Null(endpoints.ProcessId);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("""{"graphqlUrl":"not a url"}""")]
    public void Parse_BadContent_ThrowsFormatExceptionNamingTheFile(string json)
    {
        var error = Assert.Throws<FormatException>(() => LocalEndpointsReader.Parse(json, "/x/endpoints.json"));
        Assert.Contains("/x/endpoints.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindAndRead_FromASubfolder_FindsTheRepositoryFile()
    {
        var root = Directory.CreateTempSubdirectory("appsyncchat-endpoints-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, ".local"));
            var file = Path.Combine(root.FullName, ".local", "endpoints.json");
            await File.WriteAllTextAsync(file, """{"graphqlUrl":"http://127.0.0.1:4999/graphql"}""");
            var deep = Directory.CreateDirectory(Path.Combine(root.FullName, "a", "b"));

            var found = LocalEndpointsReader.Find(deep.FullName);
            var endpoints = await LocalEndpointsReader.ReadAsync(found!, CancellationToken.None);

            Assert.Equal(file, found);
            Assert.Equal(4999, endpoints.GraphQLUrl!.Port);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
