using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppSyncChat.Local;
using AppSyncChat.Local.Hosting;

namespace AppSyncChat.Integration.Tests.Fixtures;

/// <summary>
/// One Local stack for the whole integration-test collection: dynamic ports on 127.0.0.1, a fast
/// deterministic model, an endpoints file in a private temp folder. Use it with
/// <c>[Collection(LocalStackCollection.Name)]</c> and take <see cref="LocalStackFixture"/> in the constructor.
/// </summary>
public sealed class LocalStackFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("appsyncchat-integration-").FullName;

    private LocalStack? _stack;

    /// <summary>The running stack (valid after the collection started).</summary>
    public LocalStack Stack => _stack ?? throw new InvalidOperationException("The Local stack has not started.");

    /// <summary>Every endpoint, key and credential of the stack (the same data as the endpoints file).</summary>
    public LocalStackEndpoints Endpoints => Stack.Endpoints;

    /// <summary>The endpoints file this stack wrote (for code that reads <c>.local/endpoints.json</c>, e.g. the CLI's reader).</summary>
    public string EndpointsFilePath => Path.Combine(_directory, "endpoints.json");

    public string ApiKey => Endpoints.GraphqlApiKey;

    public string Region => Endpoints.Region;

    public string AccessKeyId => Endpoints.AccessKeyId;

    public string SecretAccessKey => Endpoints.SecretAccessKey;

    /// <summary>How long start-up took (the README quotes it).</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>The options the fixture starts the stack with (tests that need their own stack start from here).</summary>
    public static LocalStackOptions CreateOptions(string directory) => LocalStackOptions.ForTests() with
    {
        EndpointsFilePath = Path.Combine(directory, "endpoints.json"),
        StateDirectory = Path.Combine(directory, "state"),
    };

    public async Task InitializeAsync()
    {
        // The AWS credential chain must never probe the EC2 metadata address from a test.
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5)); // includes a first npm ci
        _stack = await LocalStack.StartAsync(CreateOptions(_directory), timeout.Token);
        StartupTime = clock.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is harmless
        }
    }

    /// <summary>
    /// Posts one GraphQL request with the local API key and returns the HTTP status and the JSON body
    /// (AppSync's shape: <c>data</c> and/or <c>errors[]</c> with <c>errorType</c>).
    /// </summary>
    public async Task<GraphQLResponse> PostGraphQLAsync(string query, JsonObject? variables = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["query"] = query };
        if (variables is not null)
        {
            body["variables"] = variables;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoints.GraphqlUrl)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", ApiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await SharedHttp.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return new GraphQLResponse((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static readonly HttpClient SharedHttp = new() { Timeout = TimeSpan.FromSeconds(60) };
}

/// <summary>An HTTP status and the parsed GraphQL response body.</summary>
public sealed record GraphQLResponse(int Status, JsonElement Body)
{
    public JsonElement? Data => Body.TryGetProperty("data", out var d) && d.ValueKind != JsonValueKind.Null ? d : null;

    /// <summary>The first error's <c>errorType</c>, or null when there is no error.</summary>
    public string? FirstErrorType => Body.TryGetProperty("errors", out var e) && e.GetArrayLength() > 0 && e[0].TryGetProperty("errorType", out var t) ? t.GetString() : null;
}

/// <summary>The collection every integration test against the Local stack joins.</summary>
[CollectionDefinition(Name)]
public sealed class LocalStackCollection : ICollectionFixture<LocalStackFixture>
{
    public const string Name = "Local stack";
}
