using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using AppSyncChat.Conversations.Table;
using AppSyncChat.Integration.Tests.Fixtures;
using AppSyncChat.Local;
using AppSyncChat.Local.Hosting;

namespace AppSyncChat.Integration.Tests.Security;

/// <summary>Who a request is sent as: the API key, one of the two local users (bearer tokens), or raw headers.</summary>
public sealed record Caller(string Name, IReadOnlyDictionary<string, string> Headers)
{
    public override string ToString() => Name;
}

/// <summary>
/// A Local stack of its own for the security tests: two Cognito-like users (Alice is the stack's local user,
/// Bob the second one), and the probes those tests need — raw GraphQL over HTTP, every key in the table, and
/// the Events emulator's publish counters — so "nothing stored, nothing published" is checked against the
/// stores themselves. Its own collection keeps other tests' answers out of those counts.
/// </summary>
public class SecurityStack : IAsyncLifetime
{
    public static readonly LocalUser Bob = new("security-test-bob-token", "00000000-0000-4000-8000-0000000000b0", "bob");

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly string _directory = Directory.CreateTempSubdirectory("appsyncchat-security-").FullName;
    private LocalStack? _stack;
    private AmazonDynamoDBClient? _dynamo;

    public LocalStackEndpoints Endpoints => (_stack ?? throw new InvalidOperationException("The stack has not started.")).Endpoints;

    public Caller ApiKey => new("api key", new Dictionary<string, string> { ["x-api-key"] = Endpoints.GraphqlApiKey });

    public Caller Alice => new("alice (bearer)", new Dictionary<string, string> { ["authorization"] = Endpoints.LocalUserToken });

    public Caller BobCaller => new("bob (bearer)", new Dictionary<string, string> { ["authorization"] = Bob.Token });

    /// <summary>The stack's options: the integration defaults plus Bob.</summary>
    protected virtual LocalStackOptions CreateOptions(string directory) => LocalStackFixture.CreateOptions(directory) with { OtherUsers = [Bob] };

    public virtual async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        _stack = await LocalStack.StartAsync(CreateOptions(_directory), timeout.Token);
        _dynamo = new AmazonDynamoDBClient(
            new BasicAWSCredentials(Endpoints.AccessKeyId, Endpoints.SecretAccessKey),
            new AmazonDynamoDBConfig { ServiceURL = Endpoints.DynamoDbUrl, AuthenticationRegion = Endpoints.Region });
    }

    public virtual async Task DisposeAsync()
    {
        _dynamo?.Dispose();
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Posts <paramref name="body"/> exactly as given to the GraphQL endpoint (<paramref name="chunked"/>: without a Content-Length).</summary>
    public async Task<RawResponse> PostRawAsync(string body, Caller caller, string contentType = "application/json", bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoints.GraphqlUrl)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        request.Headers.TransferEncodingChunked = chunked; // chunked: no Content-Length, the size shows only while reading
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in caller.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request);
        return new RawResponse((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A GET to the GraphQL endpoint with <paramref name="queryString"/> (starting with <c>?</c>).</summary>
    public async Task<RawResponse> GetAsync(string queryString, Caller caller)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Endpoints.GraphqlUrl + queryString);
        foreach (var (name, value) in caller.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request);
        return new RawResponse((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public Task<RawResponse> PostAsync(string query, object? variables, Caller caller) =>
        PostRawAsync(JsonSerializer.Serialize(new Dictionary<string, object?> { ["query"] = query, ["variables"] = variables }), caller);

    /// <summary>The value of <paramref name="field"/>, failing the test with the whole answer when it has none.</summary>
    public async Task<JsonElement> DataAsync(Caller caller, string field, string query, object? variables)
    {
        var response = await PostAsync(query, variables, caller);
        var data = response.Json.GetProperty("data");
        Assert.True(data.ValueKind == JsonValueKind.Object && data.GetProperty(field).ValueKind != JsonValueKind.Null, $"{field} as {caller}: {response.Body}");
        return data.GetProperty(field);
    }

    /// <summary>The table's keys and the publish count now, for <see cref="AssertUnchangedAsync"/>.</summary>
    public async Task<StoreSnapshot> SnapshotAsync() => new(await TableKeysAsync(), await PublishedEventsAsync());

    /// <summary>Nothing was stored (no new or removed key) and nothing published since <paramref name="before"/>.</summary>
    public async Task AssertUnchangedAsync(StoreSnapshot before)
    {
        Assert.Equal(before.Keys, await TableKeysAsync());
        Assert.Equal(before.PublishedEvents, await PublishedEventsAsync());
    }

    /// <summary>Every (pk, sk) in the table: requests that must store nothing leave this set unchanged.</summary>
    public async Task<SortedSet<string>> TableKeysAsync()
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await _dynamo!.ScanAsync(new ScanRequest { TableName = Endpoints.TableName, ExclusiveStartKey = start, ConsistentRead = true });
            foreach (var item in page.Items)
            {
                keys.Add(item[TableNames.PartitionKey].S + "|" + item[TableNames.SortKey].S);
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return keys;
    }

    /// <summary>Events the emulator accepted from publishers so far.</summary>
    public async Task<long> PublishedEventsAsync()
    {
        using var document = JsonDocument.Parse(await Http.GetStringAsync(new Uri(new Uri(Endpoints.EventsHttpUrl!), "/_emulator/stats")));
        return document.RootElement.GetProperty("inboundEvents").GetInt64();
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task>> _quietFor = new(StringComparer.Ordinal);

    /// <summary>
    /// <see cref="WaitForQuietAsync"/> the first time a test class asks (answers of the classes run before it may
    /// still stream); afterwards at once. For tables whose every row compares the counters.
    /// </summary>
    public Task WaitForQuietOnceAsync([System.Runtime.CompilerServices.CallerFilePath] string testClass = "") =>
        _quietFor.GetOrAdd(testClass, _ => new Lazy<Task>(WaitForQuietAsync)).Value;

    /// <summary>Waits until the Worker has stopped publishing (every earlier answer finished), so counters hold still.</summary>
    public async Task WaitForQuietAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var last = await PublishedEventsAsync();
        while (true)
        {
            await Task.Delay(750);
            var now = await PublishedEventsAsync();
            if (now == last)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "The Worker kept publishing for a minute.");
            last = now;
        }
    }
}

/// <summary>What "nothing stored, nothing published" compares: every key of the table and the Events emulator's accepted events.</summary>
public sealed record StoreSnapshot(SortedSet<string> Keys, long PublishedEvents);

/// <summary>An HTTP status and the body text, parsed on demand.</summary>
public sealed record RawResponse(int Status, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>The first error's errorType and message (asserting there is one).</summary>
    public (string ErrorType, string Message) FirstError
    {
        get
        {
            var errors = Json.GetProperty("errors");
            Assert.True(errors.GetArrayLength() > 0, Body);
            return (errors[0].GetProperty("errorType").GetString()!, errors[0].GetProperty("message").GetString()!);
        }
    }
}

/// <summary>Runs alone, after the parallel collections: one more stack beside the shared one would skew their timing on 2 cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SecurityStackCollection : ICollectionFixture<SecurityStack>
{
    public const string Name = "Security stack";
}
