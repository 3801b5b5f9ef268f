using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using AppSyncChat.Api.Configuration;
using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Resolver;
using AppSyncChat.Api.Tests.Conversations;
using AppSyncChat.Api.Tests.Fixtures;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Api.Tests.Resolver;

/// <summary>The resolver end to end against dynalite, with a recording SQS double, driven by AppSync-shaped events.</summary>
public abstract class ResolverTestBase(DynaliteFixture dynalite) : StoreTestBase(dynalite)
{
    public const string QueueUrl = "http://127.0.0.1:4040/000000000000/turns";

    /// <summary>Identities as AppSync sends them (docs/aws-protocols.md §7.1): API key (null), Cognito user pools, IAM.</summary>
    public const string ApiKey = "null";
    public const string Alice = """{"sub":"alice-sub","issuer":"https://cognito-idp.us-east-1.amazonaws.com/pool","username":"alice","claims":{"sub":"alice-sub"},"sourceIp":["127.0.0.1"],"defaultAuthStrategy":"ALLOW","groups":null}""";
    public const string Bob = """{"sub":"bob-sub","issuer":"https://cognito-idp.us-east-1.amazonaws.com/pool","username":"bob","claims":{"sub":"bob-sub"},"sourceIp":["127.0.0.1"],"defaultAuthStrategy":"ALLOW","groups":null}""";
    public const string IamUser = """{"accountId":"123456789012","cognitoIdentityPoolId":null,"cognitoIdentityId":null,"sourceIp":["127.0.0.1"],"username":"AIDAEXAMPLE","userArn":"arn:aws:iam::123456789012:user/carol","cognitoIdentityAuthType":null,"cognitoIdentityAuthProvider":null}""";

    protected RecordingTurnQueue Sqs { get; } = new();

    protected ApiOptions Options { get; private set; } = null!;

    protected ApiResolver Resolver { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Options = new ApiOptions { TableName = TableName, QueueUrl = QueueUrl, Region = "us-east-1" };
        Resolver = ApiComposition.CreateResolver(Options, Store, Sqs, NullLoggerFactory.Instance, Clock);
    }

    protected static string Event(string parent, string field, string arguments, string identity, string? traceparent = null)
    {
        var extraHeader = traceparent is null ? string.Empty : $",\"traceparent\":\"{traceparent}\"";
        return "{\"arguments\":" + arguments + ",\"identity\":" + identity + ",\"source\":null,"
            + "\"request\":{\"headers\":{\"x-api-key\":\"da2-test\",\"host\":\"example.appsync-api.us-east-1.amazonaws.com\"" + extraHeader + "},\"domainName\":null},"
            + "\"info\":{\"fieldName\":\"" + field + "\",\"parentTypeName\":\"" + parent + "\",\"variables\":{},\"selectionSetList\":[],\"selectionSetGraphQL\":\"\"},"
            + "\"prev\":null,\"stash\":{}}";
    }

    protected async Task<JsonElement> InvokeRawAsync(string payload)
    {
        var invocation = new LambdaInvocation("req-" + Guid.NewGuid().ToString("N")[..8], Clock.GetUtcNow().AddSeconds(30), null, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", Encoding.UTF8.GetBytes(payload));
        var bytes = await Resolver.HandleAsync(invocation, CancellationToken.None);
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }

    protected Task<JsonElement> InvokeAsync(string parent, string field, string arguments, string identity = ApiKey, string? traceparent = null) =>
        InvokeRawAsync(Event(parent, field, arguments, identity, traceparent));

    protected Task<JsonElement> SendAsync(string text, string clientRequestId, string? conversationId = null, string identity = ApiKey, string settings = "null") =>
        InvokeAsync("Mutation", "sendMessage", $$$$"""{"input":{"conversationId":{{{{Json(conversationId)}}}},"text":{{{{Json(text)}}}},"clientRequestId":{{{{Json(clientRequestId)}}}},"settings":{{{{settings}}}}}}""", identity);

    protected Task<JsonElement> StopAsync(string conversationId, string messageId, string identity = ApiKey) =>
        InvokeAsync("Mutation", "stopGeneration", $$$$"""{"input":{"conversationId":{{{{Json(conversationId)}}}},"messageId":{{{{Json(messageId)}}}}}}""", identity);

    protected Task<JsonElement> RegenerateAsync(string conversationId, string clientRequestId, string identity = ApiKey) =>
        InvokeAsync("Mutation", "regenerate", $$$$"""{"input":{"conversationId":{{{{Json(conversationId)}}}},"clientRequestId":{{{{Json(clientRequestId)}}}}}}""", identity);

    protected Task<JsonElement> GetAsync(string conversationId, string identity = ApiKey, int? messageLimit = null) =>
        InvokeAsync("Query", "getConversation", $$$$"""{"conversationId":{{{{Json(conversationId)}}}},"messageLimit":{{{{(messageLimit is null ? "null" : messageLimit.ToString())}}}}}""", identity);

    protected async Task<TException> ExpectErrorAsync<TException>(Func<Task> call)
        where TException : ApiException
    {
        var error = await Assert.ThrowsAsync<TException>(call);
        Assert.Equal(typeof(TException).Name, error.ErrorType);
        return error;
    }

    protected ChatTurnRequest[] SentTurns() =>
        Sqs.Sent.Select(s => JsonSerializer.Deserialize(s.MessageBody, ContractsJsonContext.Default.ChatTurnRequest)!).ToArray();

    /// <summary>Every item in the table: "nothing stored" assertions compare these.</summary>
    protected async Task<List<string>> TableSnapshotAsync()
    {
        var response = await Client.ScanAsync(new ScanRequest { TableName = TableName, ConsistentRead = true });
        return (response.Items ?? [])
            .Select(item => string.Join(",", item.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value.S ?? kv.Value.N ?? kv.Value.BOOL?.ToString() ?? (kv.Value.M is null ? "?" : "{map}")}")))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    protected static string Json(string? value) => value is null ? "null" : JsonValue.Create(value)!.ToJsonString();
}
