using AppSyncChat.Local.AppSyncEvents;

namespace AppSyncChat.Local.Tests.AppSyncEvents;

/// <summary>One emulator on dynamic ports (plain and TLS) for a test class, with a bearer token configured.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public const string BearerToken = "local-test-token";

    public AppSyncEventsEmulatorServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        Server = await AppSyncEventsEmulatorServer.StartAsync(new AppSyncEventsEmulatorOptions
        {
            HttpPort = 0,
            TlsPort = 0,
            BearerTokens = [BearerToken],
            KeepAliveInterval = TimeSpan.FromMilliseconds(200),
        }, CancellationToken.None);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
