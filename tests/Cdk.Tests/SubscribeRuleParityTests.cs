using System.Text.Json.Nodes;
using AppSyncChat.Conversations.Model;
using AppSyncChat.Local.AppSyncEvents;
using AppSyncChat.Local.Hosting;

namespace AppSyncChat.Cdk.Tests;

/// <summary>
/// The Local Events emulator's subscribe rule (<see cref="ChatSubscribeRule"/>) and the deployed <c>onSubscribe</c>
/// handler (the JavaScript the stack deploys, run in Node) decide every case of one table the same way: who
/// subscribes (API key, two Cognito users, an IAM principal, a Lambda-authorizer identity), to which channel,
/// with which stored owner.
/// </summary>
public sealed class SubscribeRuleParityTests
{
    private const string Conversation = "c0ffee00c0ffee00c0ffee00c0ffee00";
    private static readonly LocalUser Alice = new("alice-token", "alice-sub", "alice");
    private static readonly LocalUser Bob = new("bob-token", "bob-sub", "bob");

    /// <summary>A caller as the deployed handler sees it (<c>ctx.identity</c>) and as the emulator does (auth mode and credential).</summary>
    private sealed record Caller(string Name, JsonObject? Identity, EventsAuthMode Mode, string? ApiKey, string? Token);

    private static readonly Caller[] Callers =
    [
        new("api key", null, EventsAuthMode.ApiKey, "da2-key", null),
        new("alice", new JsonObject { ["sub"] = Alice.Sub, ["username"] = Alice.Name }, EventsAuthMode.BearerToken, null, Alice.Token),
        new("bob", new JsonObject { ["sub"] = Bob.Sub, ["username"] = Bob.Name }, EventsAuthMode.BearerToken, null, Bob.Token),
        new("iam", new JsonObject { ["accountId"] = "123456789012", ["userArn"] = "arn:aws:iam::123456789012:user/carol", ["username"] = "AIDAEXAMPLE" }, EventsAuthMode.Iam, null, null),
        new("lambda authorizer", new JsonObject { ["resolverContext"] = new JsonObject { ["user"] = "dave" } }, EventsAuthMode.BearerToken, null, "not-a-user-token"),
    ];

    private static readonly string?[] StoredOwners = [OwnerIds.UserPrefix + Alice.Sub, OwnerIds.UserPrefix + Bob.Sub, OwnerIds.Anonymous, null];

    private static readonly string[] Channels =
    [
        $"/chat/{Conversation}", "/chat/*", $"/chat/{Conversation}/x", "/chat", "/chat/-abc", "/chat/abc_def", "/chat/" + new string('a', 51),
        "/chat/..", "/chat/%2F", $"/chat/{Conversation}*",
    ];

    [Fact]
    public async Task LocalRuleAndDeployedHandler_SameDecisionOnEveryCase()
    {
        var cases = (from channel in Channels from caller in Callers from owner in StoredOwners select (Channel: channel, Caller: caller, Owner: owner)).ToArray();

        var deployed = await OnSubscribeHandlerTests.RunAsync(cases.Select(c => new JsonObject
        {
            ["channel"] = c.Channel,
            ["identity"] = c.Caller.Identity?.DeepClone(),
            ["items"] = c.Owner is null ? new JsonObject() : OnSubscribeHandlerTests.Items(Conversation, c.Owner),
        }));
        var mismatches = new List<string>();
        var allowed = new List<string>();
        for (var i = 0; i < cases.Length; i++)
        {
            var (channel, caller, owner) = cases[i];
            var rule = new ChatSubscribeRule([Alice, Bob]);
            rule.Attach((id, _) => Task.FromResult(id == Conversation ? owner : null));
            var segments = channel.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var local = await rule.AllowAsync(new EventsSubscribeRequest(channel, segments, caller.Mode, caller.ApiKey, caller.Token), CancellationToken.None);
            var remote = deployed[i].GetProperty("outcome").GetString() == "allowed";
            var name = $"{caller.Name} → {channel} (owner {owner ?? "none"})";
            if (local != remote)
            {
                mismatches.Add($"{name}: local {(local ? "allows" : "refuses")}, deployed {(remote ? "allows" : "refuses")}");
            }

            if (local && remote)
            {
                allowed.Add(name);
            }
        }

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        // Exactly the owners, on the exact channel: the table is not vacuous.
        string[] owners = [$"alice → /chat/{Conversation} (owner user:alice-sub)", $"api key → /chat/{Conversation} (owner anonymous)", $"bob → /chat/{Conversation} (owner user:bob-sub)"];
        Assert.Equal(owners, allowed.Order(StringComparer.Ordinal));
    }
}
