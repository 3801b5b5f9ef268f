using AppSyncChat.Local.Hosting;

namespace AppSyncChat.Local.Tests.Stack;

/// <summary>One Local stack (dynamic ports, fast model) shared by the tests of a class; writes its endpoints file to a temp folder.</summary>
public sealed class LocalStackTestFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("appsyncchat-stack-test-").FullName;

    public LocalStack Stack { get; private set; } = null!;

    public string EndpointsFilePath => Path.Combine(_directory, "endpoints.json");

    public LocalStackEndpoints Endpoints => Stack.Endpoints;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        Stack = await LocalStack.StartAsync(
            LocalStackOptions.ForTests() with
            {
                EndpointsFilePath = EndpointsFilePath,
                StateDirectory = Path.Combine(_directory, "state"),
            },
            timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
