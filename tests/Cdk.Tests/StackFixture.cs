using System.Text.Json;
using AppSyncChat.Cdk.Configuration;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using CdkEnvironment = Amazon.CDK.Environment;

namespace AppSyncChat.Cdk.Tests;

/// <summary>The test classes that read the default stack share one synthesis.</summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "Synthesized stack";
}

/// <summary>
/// Synthesizes the stack once (in-process, about 2–3 s with Node on PATH) and shares the template
/// between the test classes of <see cref="StackCollection"/>. The function packages are a placeholder folder: synthesis only hashes
/// and stages them.
/// </summary>
public sealed class StackFixture : IDisposable
{
    public static readonly string PlaceholderPackage = Path.Combine(AppContext.BaseDirectory, "Resources", "function-placeholder");

    public static readonly DateTimeOffset Now = new(2026, 11, 21, 8, 30, 0, TimeSpan.Zero);

    public StackFixture()
        : this(Options())
    {
    }

    private StackFixture(AppSyncChatOptions options)
    {
        _outdir = Path.Combine(Path.GetTempPath(), "appsyncchat-cdk-tests", Guid.NewGuid().ToString("N"));
        var app = new App(new AppProps { Outdir = _outdir });
        Stack = new AppSyncChatStack(app, "TestStack", options, new StackProps
        {
            Env = new CdkEnvironment { Account = "123456789012", Region = "eu-west-1" },
        });
        Template = Template.FromStack(Stack);
        Json = JsonDocument.Parse(JsonSerializer.Serialize(Template.ToJSON()));
    }

    private readonly string _outdir;

    public AppSyncChatStack Stack { get; }

    public Template Template { get; }

    /// <summary>The synthesized template as JSON, for assertions that read several resources together.</summary>
    public JsonDocument Json { get; }

    public static AppSyncChatOptions Options() => new()
    {
        ApiAssetDirectory = PlaceholderPackage,
        WorkerAssetDirectory = PlaceholderPackage,
        ModelIds = ["anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-3-5-haiku-20241022-v1:0"],
        Now = Now,
    };

    public static StackFixture Synthesize(AppSyncChatOptions options) => new(options);

    /// <summary>Removes the staged cloud assembly (assets are copied there during synthesis).</summary>
    public void Dispose()
    {
        Json.Dispose();
        if (Directory.Exists(_outdir))
        {
            Directory.Delete(_outdir, recursive: true);
        }
    }
}
