using System.Net;
using System.Net.Sockets;
using AppSyncChat.Local.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace AppSyncChat.Local.Tests.Stack;

public sealed class PortConflictTests
{
    [Fact]
    public async Task StartAsync_GraphQLPortTaken_FailsNamingThePortAndItsFlag()
    {
        using var holder = Hold(out var port);

        var error = await Assert.ThrowsAsync<LocalStackException>(() => LocalStack.StartAsync(
            LocalStackOptions.ForTests() with { Ports = LocalStackPorts.Dynamic with { GraphQL = port } },
            CancellationToken.None));

        Assert.Equal(LocalStackErrorCode.PortInUse, error.Code);
        Assert.Equal(port, error.Port);
        Assert.Equal("--graphql-port", error.Flag);
        Assert.Contains($"Port {port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("--graphql-port", error.Message, StringComparison.Ordinal);
        Assert.Contains(LocalSettingNames.GraphQLPort, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SamePortForTwoServices_FailsBeforeStartingAnything()
    {
        var error = await Assert.ThrowsAsync<LocalStackException>(() => LocalStack.StartAsync(
            LocalStackOptions.ForTests() with { Ports = LocalStackPorts.Dynamic with { Sqs = 45123, DynamoDb = 45123 } },
            CancellationToken.None));

        Assert.Equal(LocalStackErrorCode.InvalidOption, error.Code);
        Assert.Contains("--sqs-port", error.Message, StringComparison.Ordinal);
        Assert.Contains("--dynamodb-port", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The race the pre-check cannot see: the sidecar itself finds the port taken and reports it by service.</summary>
    [Fact]
    public async Task Sidecar_DynamoDbPortTakenAtBind_ReportsPortInUseWithTheDynamoDbFlag()
    {
        using var holder = Hold(out var port);
        var layout = RepositoryLayout.Locate(null);
        await NodeTooling.EnsureInstalledAsync(layout.SidecarDirectory, "node", _ => { }, CancellationToken.None);

        var error = await Assert.ThrowsAsync<LocalStackException>(() => NodeSidecar.StartAsync(
            new NodeSidecarOptions
            {
                NodePath = "node",
                SidecarDirectory = layout.SidecarDirectory,
                SchemaPath = layout.SchemaPath,
                DynamoDbPort = port,
                SqsPort = 0,
                GraphQLPort = 0,
                InvokeEndpoint = "http://127.0.0.1:9",
                ApiFunctionName = "f",
                ApiKey = "k",
                Region = "us-east-1",
                AccessKeyId = "AKIDEXAMPLE",
                SecretAccessKey = "secret",
                LocalUserToken = "t",
                LocalUserSub = "s",
                LocalUserName = "u",
                StartTimeout = TimeSpan.FromSeconds(30),
            },
            NullLogger.Instance,
            CancellationToken.None));

        Assert.Equal(LocalStackErrorCode.PortInUse, error.Code);
        Assert.Equal(port, error.Port);
        Assert.Equal("--dynamodb-port", error.Flag);
    }

    [Fact]
    public async Task StartAsync_NodeMissing_FailsWithInstallHint()
    {
        var error = await Assert.ThrowsAsync<LocalStackException>(() => LocalStack.StartAsync(
            LocalStackOptions.ForTests() with { NodePath = "/nonexistent/bin/node-appsyncchat" },
            CancellationToken.None));

        Assert.Equal(LocalStackErrorCode.NodeMissing, error.Code);
        Assert.Contains("Node.js 20", error.Message, StringComparison.Ordinal);
        Assert.Contains("--node", error.Message, StringComparison.Ordinal);
    }

    private static TcpListener Hold(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }
}
