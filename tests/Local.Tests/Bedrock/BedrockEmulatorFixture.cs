using Amazon.Runtime;
using AppSyncChat.Aws.Bedrock;
using AppSyncChat.Local.Bedrock;
using AppSyncChat.Local.Signing;

namespace AppSyncChat.Local.Tests.Bedrock;

/// <summary>One emulator on a dynamic loopback port with a fast model, shared by a test class.</summary>
public sealed class BedrockEmulatorFixture : IAsyncLifetime
{
    public const string ApiKey = "bedrock-local-test-api-key";
    public const string ModelId = "anthropic.claude-3-haiku-20240307-v1:0";

    public BedrockEmulatorServer Server { get; private set; } = null!;

    public static BasicAWSCredentials LocalCredentials { get; } = new(SigV4VerifierOptions.LocalAccessKeyId, SigV4VerifierOptions.LocalSecretAccessKey);

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        Server = await BedrockEmulatorServer.StartAsync(
            new BedrockEmulatorOptions
            {
                Port = 0,
                TimeToFirstToken = TimeSpan.FromMilliseconds(5),
                TokensPerSecond = 2000,
                AnswerTokens = 24,
                ApiKeys = [ApiKey],
            },
            CancellationToken.None);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public BedrockRuntimeClient CreateClient(AWSCredentials? credentials = null) =>
        BedrockRuntimeClient.Create(credentials ?? LocalCredentials, "us-east-1", Server.BaseAddress);

    public BedrockChatClient CreateChatClient(string modelId = ModelId) => new(CreateClient(), modelId, disposeClient: true);
}
