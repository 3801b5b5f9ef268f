using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AppSyncChat.Cdk.Tests;

/// <summary>Cdk/outputs-to-endpoints.mjs maps every stack output a client needs into the Local endpoints layout.</summary>
public sealed class OutputsToEndpointsTests
{
    [Fact]
    public async Task Convert_DeployOutputs_WritesEndpointsLayout()
    {
        var outputs = new JsonObject
        {
            ["Chat"] = new JsonObject
            {
                [OutputNames.Region] = "eu-west-1",
                [OutputNames.GraphqlUrl] = "https://abc.appsync-api.eu-west-1.amazonaws.com/graphql",
                [OutputNames.GraphqlApiKey] = "da2-graphql",
                [OutputNames.EventsHttpEndpoint] = "https://xyz.appsync-api.eu-west-1.amazonaws.com/event",
                [OutputNames.EventsRealtimeEndpoint] = "wss://xyz.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime",
                [OutputNames.EventsApiKey] = "da2-events",
                [OutputNames.DefaultModelId] = "anthropic.claude-3-haiku-20240307-v1:0",
                [OutputNames.TableName] = "Chat-Table",
                [OutputNames.QueueUrl] = "https://sqs.eu-west-1.amazonaws.com/1/q",
                [OutputNames.DeadLetterQueueUrl] = "https://sqs.eu-west-1.amazonaws.com/1/dlq",
                [OutputNames.UserPoolId] = "eu-west-1_x",
                [OutputNames.UserPoolClientId] = "client",
                [OutputNames.AlarmTopicArn] = "arn:aws:sns:eu-west-1:1:t",
            },
        };

        var (exitCode, stdout, stderr) = await RunAsync(outputs, "Chat");

        Assert.True(exitCode == 0, stderr);
        var endpoints = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(1, endpoints.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("eu-west-1", endpoints.GetProperty("region").GetString());
        Assert.Equal("https://abc.appsync-api.eu-west-1.amazonaws.com/graphql", endpoints.GetProperty("graphqlUrl").GetString());
        Assert.Equal("da2-graphql", endpoints.GetProperty("graphqlApiKey").GetString());
        Assert.Equal("https://xyz.appsync-api.eu-west-1.amazonaws.com/event", endpoints.GetProperty("eventsHttpUrl").GetString());
        Assert.Equal("wss://xyz.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime", endpoints.GetProperty("eventsRealtimeUrl").GetString());
        Assert.Equal("da2-events", endpoints.GetProperty("eventsApiKey").GetString());
        Assert.Equal("Chat-Table", endpoints.GetProperty("tableName").GetString());
        Assert.Equal("https://sqs.eu-west-1.amazonaws.com/1/dlq", endpoints.GetProperty("deadLetterQueueUrl").GetString());
    }

    [Fact]
    public async Task Convert_MissingOutput_FailsNamingIt()
    {
        var outputs = new JsonObject { ["AppSyncChat"] = new JsonObject { [OutputNames.Region] = "eu-west-1" } };

        var (exitCode, _, stderr) = await RunAsync(outputs, null);

        Assert.Equal(1, exitCode);
        Assert.Contains("'GraphqlUrl'", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(JsonObject outputs, string? stackName)
    {
        var script = Path.Combine(Repository.Root(), "Cdk", "outputs-to-endpoints.mjs");
        var file = Path.Combine(Path.GetTempPath(), $"appsyncchat-outputs-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, outputs.ToJsonString());
        try
        {
            var arguments = stackName is null ? new[] { script, file } : [script, file, stackName];
            using var process = Process.Start(new ProcessStartInfo("node", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })
                ?? throw new InvalidOperationException("node did not start");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
                var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
                return (process.ExitCode, await stdout, await stderr);
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
            File.Delete(file);
        }
    }
}
