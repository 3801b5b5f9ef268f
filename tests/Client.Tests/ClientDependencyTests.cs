using System.Text.Json;
using AppSyncChat.Testing;

namespace AppSyncChat.Client.Tests;

/// <summary>
/// A client app that references the client library must not pull in the server side: the Bedrock client and the
/// Lambda runtime loop (project <c>AppSyncChat.Aws</c>), SQS, DynamoDB, the Worker or the Api, nor what only they
/// use (IChatClient, console logging, Polly). Read from the library's own build output (<c>deps.json</c>), which
/// lists every project and package a consumer receives.
/// </summary>
public sealed class ClientDependencyTests
{
    private static readonly string[] ServerSide =
    [
        "AppSyncChat.Aws", // Bedrock Runtime, Lambda Runtime API, event-stream framing, SQS configuration, HTTP publisher
        "AppSyncChat.Worker",
        "AppSyncChat.Api",
        "AppSyncChat.Conversations",
        "AppSyncChat.Local",
        "AWSSDK.SQS",
        "AWSSDK.DynamoDBv2",
        "Microsoft.Extensions.AI.Abstractions",
        "Microsoft.Extensions.Logging.Console",
        "Polly.Core",
    ];

    [Fact]
    public void ClientLibrary_DependsOnNothingServerSide()
    {
        var closure = LibrariesOf("Client/Library", "AppSyncChat.Client");

        Assert.Contains("AppSyncChat.Contracts", closure);
        Assert.Contains("AppSyncChat.Transport", closure);
        var serverSide = closure.Intersect(ServerSide, StringComparer.OrdinalIgnoreCase).ToList();
        Assert.True(serverSide.Count == 0, $"AppSyncChat.Client pulls in {string.Join(", ", serverSide)} (closure: {string.Join(", ", closure)})");
    }

    /// <summary>The names (without versions) of every project and package in a project's built <c>deps.json</c>.</summary>
    private static List<string> LibrariesOf(string projectFolder, string assemblyName)
    {
        // The test runs from tests/Client.Tests/bin/<configuration>/<framework>/: the library was built with the same two.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        var path = Path.Combine(TestRepository.Root, projectFolder, "bin", configuration, framework.Name, assemblyName + ".deps.json");
        Assert.True(File.Exists(path), $"{path} not found: build {projectFolder} first");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.GetProperty("libraries").EnumerateObject().Select(library => library.Name.Split('/')[0]).Order(StringComparer.Ordinal)];
    }
}
