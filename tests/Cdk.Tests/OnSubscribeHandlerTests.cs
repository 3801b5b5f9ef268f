using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppSyncChat.Cdk.Events;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Conversations.Table;

namespace AppSyncChat.Cdk.Tests;

/// <summary>
/// Runs the deployed <c>onSubscribe</c> code (exactly the CodeHandlers text) in Node against stand-ins of
/// the APPSYNC_JS <c>util</c> and DynamoDB modules: who may subscribe to which channel.
/// </summary>
public sealed class OnSubscribeHandlerTests
{
    private const string Conversation = "c0ffee00c0ffee00c0ffee00c0ffee00";
    private static readonly JsonObject CognitoAlice = new() { ["sub"] = "alice-sub", ["username"] = "alice" };
    private static readonly JsonObject CognitoBob = new() { ["sub"] = "bob-sub", ["username"] = "bob" };

    [Fact]
    public async Task OnSubscribe_OwnerAndStrangers_OnlyOwnersAndMatchingKeyHoldersMayWatch()
    {
        var aliceItems = Items(Conversation, OwnerIds.UserPrefix + "alice-sub");
        var apiKeyItems = Items(Conversation, OwnerIds.Anonymous);
        var cases = new (string Name, string Channel, JsonObject? Identity, JsonObject Items, string Expected)[]
        {
            ("cognito owner", $"/chat/{Conversation}", CognitoAlice, aliceItems, "allowed"),
            ("other cognito user", $"/chat/{Conversation}", CognitoBob, aliceItems, "unauthorized"),
            ("api key on a user's conversation", $"/chat/{Conversation}", null, aliceItems, "unauthorized"),
            ("api key on an api-key conversation", $"/chat/{Conversation}", null, apiKeyItems, "allowed"),
            ("cognito user on an api-key conversation", $"/chat/{Conversation}", CognitoAlice, apiKeyItems, "unauthorized"),
            ("unknown conversation", "/chat/doesnotexist", CognitoAlice, aliceItems, "unauthorized"),
            ("wildcard", "/chat/*", CognitoAlice, aliceItems, "unauthorized"),
            ("deeper path", $"/chat/{Conversation}/x", CognitoAlice, aliceItems, "unauthorized"),
            ("namespace only", "/chat", CognitoAlice, aliceItems, "unauthorized"),
            ("leading dash", "/chat/-abc", CognitoAlice, aliceItems, "unauthorized"),
            ("bad character", "/chat/abc_def", CognitoAlice, aliceItems, "unauthorized"),
            ("too long", "/chat/" + new string('a', 51), CognitoAlice, aliceItems, "unauthorized"),
        };

        var results = await RunAsync(cases.Select(c => new JsonObject
        {
            ["channel"] = c.Channel,
            ["identity"] = c.Identity?.DeepClone(),
            ["items"] = c.Items.DeepClone(),
        }));

        for (var i = 0; i < cases.Length; i++)
        {
            Assert.True(cases[i].Expected == results[i].GetProperty("outcome").GetString(), $"{cases[i].Name}: expected {cases[i].Expected}, got {results[i]}");
        }

        // The lookup is a consistent GetItem of the conversation's own item.
        var request = results[0].GetProperty("request");
        Assert.Equal("GetItem", request.GetProperty("operation").GetString());
        Assert.True(request.GetProperty("consistentRead").GetBoolean());
        Assert.Equal(TableNames.ConversationPrefix + Conversation, request.GetProperty("key").GetProperty(TableNames.PartitionKey).GetString());
        Assert.Equal(TableNames.ConversationSortKey, request.GetProperty("key").GetProperty(TableNames.SortKey).GetString());

        // Malformed channels are refused before any read.
        Assert.Equal(JsonValueKind.Null, results[6].GetProperty("request").ValueKind);
    }

    [Fact]
    public async Task OnSubscribe_CreatedConversationWithoutMessages_OnlyItsOwnerMayWatch()
    {
        // The item createConversation writes: owner, title and default settings, but no message yet (no
        // activeMessageId, lastMessageId or preview). The owner check must not depend on any of those.
        JsonObject Created(string owner)
        {
            var items = Items(Conversation, owner);
            var item = items.Single().Value!.AsObject();
            item[TableNames.Title] = "Trip to Lisbon";
            item[TableNames.Settings] = new JsonObject { [TableNames.SystemPrompt] = "Be brief.", [TableNames.Temperature] = 0.2 };
            item[TableNames.CreatedAt] = "2026-12-06T07:30:00.000Z";
            item[TableNames.UpdatedAt] = "2026-12-06T07:30:00.000Z";
            Assert.False(item.ContainsKey(TableNames.ActiveMessageId) || item.ContainsKey(TableNames.LastMessageId));
            return items;
        }

        var alices = Created(OwnerIds.UserPrefix + "alice-sub");
        var apiKeys = Created(OwnerIds.Anonymous);
        var cases = new (string Name, JsonObject? Identity, JsonObject Items, string Expected)[]
        {
            ("cognito owner", CognitoAlice, alices, "allowed"),
            ("other cognito user", CognitoBob, alices, "unauthorized"),
            ("api key", null, alices, "unauthorized"),
            ("api key on an api-key conversation", null, apiKeys, "allowed"),
            ("cognito user on an api-key conversation", CognitoBob, apiKeys, "unauthorized"),
        };

        var results = await RunAsync(cases.Select(c => new JsonObject
        {
            ["channel"] = $"/chat/{Conversation}",
            ["identity"] = c.Identity?.DeepClone(),
            ["items"] = c.Items.DeepClone(),
        }));

        for (var i = 0; i < cases.Length; i++)
        {
            Assert.True(cases[i].Expected == results[i].GetProperty("outcome").GetString(), $"{cases[i].Name}: expected {cases[i].Expected}, got {results[i]}");
        }
    }

    [Fact]
    public async Task OnSubscribe_DataSourceError_IsReportedAsError()
    {
        var results = await RunAsync([new JsonObject
        {
            ["channel"] = $"/chat/{Conversation}",
            ["identity"] = CognitoAlice.DeepClone(),
            ["items"] = new JsonObject(),
            ["dataSourceError"] = new JsonObject { ["message"] = "Throttled", ["type"] = "DynamoDB:ProvisionedThroughputExceededException" },
        }]);

        Assert.Equal("error", Assert.Single(results).GetProperty("outcome").GetString());
    }

    [Fact]
    public void HandlerCode_UsesOnlyTheAppSyncJsSubset()
    {
        var code = ChatNamespaceHandlers.Build();
        var withoutComments = string.Join('\n', code.Split('\n').Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal)));

        // APPSYNC_JS has no try/catch/throw/while/do/continue, no ++/--, and no classic for(;;) loops.
        foreach (var forbidden in new[] { "try ", "catch", "throw ", "while", " do ", "continue", "++", "--;", "for (let", "for (var", "new RegExp", " in " })
        {
            Assert.DoesNotContain(forbidden, withoutComments, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("__", withoutComments, StringComparison.Ordinal);
    }

    internal static JsonObject Items(string conversationId, string owner)
    {
        var key = new JsonObject
        {
            [TableNames.PartitionKey] = TableNames.ConversationPrefix + conversationId,
            [TableNames.SortKey] = TableNames.ConversationSortKey,
        };
        var item = key.DeepClone().AsObject();
        item[TableNames.OwnerId] = owner;
        return new JsonObject { [key.ToJsonString()] = item };
    }

    /// <summary>Runs the deployed handler code on each case (<c>channel</c>, <c>identity</c>, <c>items</c>, <c>dataSourceError</c>) and returns <c>{outcome, request}</c> per case.</summary>
    internal static async Task<JsonElement[]> RunAsync(IEnumerable<JsonObject> cases)
    {
        var harness = Path.Combine(AppContext.BaseDirectory, "Resources", "handler-harness");
        var work = Path.Combine(Path.GetTempPath(), "appsyncchat-cdk-handler", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);

        // The handler's bare '@aws-appsync/utils' imports resolve to the stand-ins through a node_modules beside it.
        var modules = Directory.CreateDirectory(Path.Combine(work, "node_modules", "@aws-appsync", "utils")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(harness, "appsync-utils-stand-in")))
        {
            File.Copy(file, Path.Combine(modules, Path.GetFileName(file)));
        }

        var handlerPath = Path.Combine(work, "chat-namespace-handlers.mjs");
        var casesPath = Path.Combine(work, "cases.json");
        await File.WriteAllTextAsync(handlerPath, ChatNamespaceHandlers.Build());
        await File.WriteAllTextAsync(casesPath, new JsonArray([.. cases]).ToJsonString());
        try
        {
            using var process = Process.Start(new ProcessStartInfo("node", [Path.Combine(harness, "harness.mjs"), handlerPath, casesPath])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = work,
            }) ?? throw new InvalidOperationException("node did not start");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
                var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
                Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}: {await stderr}");
                return JsonDocument.Parse(await stdout).RootElement.EnumerateArray().ToArray();
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
