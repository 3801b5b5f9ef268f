using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using AppSyncChat.Local.Hosting;

namespace AppSyncChat.Local.Tests.Stack;

/// <summary>The third-party engines and the GraphQL endpoint of the Node sidecar, through the started stack.</summary>
public sealed partial class SidecarEnginesTests(LocalStackTestFixture fixture) : IClassFixture<LocalStackTestFixture>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task DynamoDb_CreateTablePutGet_RoundTripsThroughDynalite()
    {
        using var client = new AmazonDynamoDBClient(
            new BasicAWSCredentials(fixture.Endpoints.AccessKeyId, fixture.Endpoints.SecretAccessKey),
            new AmazonDynamoDBConfig { ServiceURL = fixture.Endpoints.DynamoDbUrl, AuthenticationRegion = fixture.Endpoints.Region });
        var table = $"stack-test-{Guid.NewGuid():N}";

        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        await client.PutItemAsync(table, new Dictionary<string, AttributeValue>
        {
            ["pk"] = new("conversation-1"),
            ["text"] = new("Hello, dynalite"),
        });
        var described = await client.DescribeTableAsync(table);
        var item = await client.GetItemAsync(table, new Dictionary<string, AttributeValue> { ["pk"] = new("conversation-1") });

        Assert.Equal(TableStatus.ACTIVE, described.Table.TableStatus); // createTableMs 0: usable at once
        Assert.Equal("Hello, dynalite", item.Item["text"].S);
    }

    [Fact]
    public async Task Sqs_JsonProtocolCreateQueue_ReturnsQueueUrlOnTheSidecarPort()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Endpoints.SqsUrl)
        {
            Content = new StringContent("""{"QueueName":"stack-test-queue"}""", Encoding.UTF8, "application/x-amz-json-1.0"),
        };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        request.Headers.Add("X-Amz-Target", "AmazonSQS.CreateQueue");

        using var response = await Http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith($"{fixture.Endpoints.SqsUrl}/", body.RootElement.GetProperty("QueueUrl").GetString());
    }

    [Fact]
    public async Task GraphQL_Introspection_ServesContractsSchemaWithAppSyncScalarsAndDirectives()
    {
        var result = await PostGraphQLAsync(
            """{ __schema { mutationType { fields { name } } directives { name } } t: __type(name: "AWSDateTime") { kind } }""",
            fixture.Endpoints.GraphqlApiKey);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        var data = result.Body.RootElement.GetProperty("data");
        var mutations = data.GetProperty("__schema").GetProperty("mutationType").GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        var directives = data.GetProperty("__schema").GetProperty("directives").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        Assert.Contains("sendMessage", mutations);
        Assert.Contains("stopGeneration", mutations);
        Assert.Contains("createConversation", mutations);
        Assert.Contains("aws_api_key", directives);
        Assert.Contains("aws_cognito_user_pools", directives);
        Assert.Equal("SCALAR", data.GetProperty("t").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task GraphQL_WrongApiKey_Returns401WithAppSyncUnauthorizedException()
    {
        var result = await PostGraphQLAsync("{ __typename }", "da2-not-the-local-key");

        Assert.Equal(HttpStatusCode.Unauthorized, result.Status);
        var error = result.Body.RootElement.GetProperty("errors")[0];
        Assert.Equal("UnauthorizedException", error.GetProperty("errorType").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task GraphQL_NoCredentials_Returns401()
    {
        var result = await PostGraphQLAsync("{ __typename }", apiKey: null);

        Assert.Equal(HttpStatusCode.Unauthorized, result.Status);
        Assert.Equal("UnauthorizedException", result.Body.RootElement.GetProperty("errors")[0].GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task GraphQL_LocalUserBearerToken_IsAccepted()
    {
        var result = await PostGraphQLAsync("{ __typename }", apiKey: null, bearer: fixture.Endpoints.LocalUserToken);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal("Query", result.Body.RootElement.GetProperty("data").GetProperty("__typename").GetString());
    }

    [Fact]
    public async Task GraphQL_UnknownField_ReturnsValidationErrorWithLocations()
    {
        var result = await PostGraphQLAsync("{ noSuchField }", fixture.Endpoints.GraphqlApiKey);

        Assert.Equal(HttpStatusCode.OK, result.Status); // AppSync answers 200 with errors
        var error = result.Body.RootElement.GetProperty("errors")[0];
        Assert.Equal("ValidationError", error.GetProperty("errorType").GetString());
        Assert.Equal(1, error.GetProperty("locations")[0].GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task Explorer_Page_LoadsOnlyLocalAssetsThatAllResolve()
    {
        var html = await Http.GetStringAsync(fixture.Endpoints.ExplorerUrl);
        var references = AssetReference().Matches(html).Select(m => m.Groups["url"].Value).ToList();

        Assert.Contains("GraphiQL", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(fixture.Endpoints.GraphqlApiKey, html); // pre-filled x-api-key header
        Assert.Contains("sendMessage", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.True(references.Count >= 4, $"expected the page to load its scripts and styles, found: {string.Join(", ", references)}");
        foreach (var reference in references)
        {
            Assert.StartsWith("/", reference, StringComparison.Ordinal);
            Assert.False(reference.StartsWith("//", StringComparison.Ordinal), reference);
            using var asset = await Http.GetAsync(new Uri(new Uri(fixture.Endpoints.ExplorerUrl), reference));
            Assert.True(asset.IsSuccessStatusCode, $"{reference} answered {(int)asset.StatusCode}");
            Assert.True((await asset.Content.ReadAsByteArrayAsync()).Length > 100, $"{reference} is empty");
        }
    }

    [Fact]
    public void EndpointsFile_AfterStart_HoldsTheStackEndpoints()
    {
        var written = LocalStackEndpoints.FromJson(File.ReadAllText(fixture.EndpointsFilePath));

        Assert.Equal(fixture.Endpoints.GraphqlUrl, written.GraphqlUrl);
        Assert.Equal(fixture.Endpoints.DynamoDbUrl, written.DynamoDbUrl);
        Assert.Equal(fixture.Endpoints.SqsUrl, written.SqsUrl);
        Assert.Equal(LocalDefaults.ApiKey, written.GraphqlApiKey);
        Assert.Equal(LocalDefaults.AccessKeyId, written.AccessKeyId);
        Assert.Equal(Environment.ProcessId, written.ProcessId);
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/graphql$", written.GraphqlUrl);
    }

    private async Task<(HttpStatusCode Status, JsonDocument Body)> PostGraphQLAsync(string query, string? apiKey, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Endpoints.GraphqlUrl)
        {
            Content = JsonContent.Create(new Dictionary<string, string> { ["query"] = query }),
        };
        if (apiKey is not null)
        {
            request.Headers.Add("x-api-key", apiKey);
        }

        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", bearer);
        }

        using var response = await Http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    [GeneratedRegex(@"(?:src|href)\s*=\s*""(?<url>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex AssetReference();
}
