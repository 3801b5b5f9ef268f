using AppSyncChat.Cdk.Configuration;

namespace AppSyncChat.Cdk.Tests;

/// <summary>CDK context parsing and validation: bad values fail synthesis with the key named.</summary>
public sealed class OptionsTests
{
    private static readonly string Placeholder = StackFixture.PlaceholderPackage;

    [Fact]
    public void FromContext_NoValues_UsesDefaultsAndDistFolders()
    {
        var baseDirectory = Path.Combine(Path.GetTempPath(), "appsyncchat-cdk-options", Guid.NewGuid().ToString("N"));
        foreach (var name in new[] { "api", "worker" })
        {
            Directory.CreateDirectory(Path.Combine(baseDirectory, "dist", name));
            File.WriteAllText(Path.Combine(baseDirectory, "dist", name, "bootstrap"), "");
        }

        var options = AppSyncChatOptions.FromContext(_ => null, baseDirectory, StackFixture.Now);

        Assert.Equal(Path.Combine(baseDirectory, "dist", "api"), options.ApiAssetDirectory);
        Assert.Equal(Path.Combine(baseDirectory, "dist", "worker"), options.WorkerAssetDirectory);
        Assert.Equal([AppSyncChatOptions.DefaultModelId], options.ModelIds);
        Assert.Equal(TimeSpan.FromMinutes(5), options.WorkerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(330), options.QueueVisibilityTimeout);
        Assert.Equal(3, options.MaxReceiveCount);
        Assert.True(options.RetainData);
        Assert.False(options.SelfSignUp);
        Assert.False(options.DemoTools);
    }

    [Fact]
    public void FromContext_Values_AreParsed()
    {
        var context = new Dictionary<string, string>
        {
            [ContextKeys.ApiAssetDirectory] = Placeholder,
            [ContextKeys.WorkerAssetDirectory] = Placeholder,
            [ContextKeys.ModelIds] = " us.anthropic.claude-3-5-haiku-20241022-v1:0 , anthropic.claude-3-haiku-20240307-v1:0",
            [ContextKeys.WorkerTimeoutSeconds] = "120",
            [ContextKeys.WorkerBatchSize] = "2",
            [ContextKeys.WorkerMaxConcurrency] = "10",
            [ContextKeys.RetainData] = "false",
            [ContextKeys.DemoTools] = "true",
            [ContextKeys.UserPoolId] = "eu-west-1_abc",
            [ContextKeys.UserPoolClientId] = "client123",
        };

        var options = AppSyncChatOptions.FromContext(key => context.GetValueOrDefault(key), "/", StackFixture.Now);

        Assert.Equal(["us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"], options.ModelIds);
        Assert.Equal(TimeSpan.FromSeconds(120), options.WorkerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(150), options.QueueVisibilityTimeout);
        Assert.Equal(2, options.WorkerBatchSize);
        Assert.Equal(10, options.WorkerMaxConcurrency);
        Assert.False(options.RetainData);
        Assert.True(options.DemoTools);
        Assert.Equal("eu-west-1_abc", options.ExistingUserPoolId);
    }

    [Theory]
    [InlineData(ContextKeys.ApiAssetDirectory, "/nonexistent/appsyncchat")]
    [InlineData(ContextKeys.WorkerTimeoutSeconds, "ten")]
    [InlineData(ContextKeys.WorkerTimeoutSeconds, "901")]
    [InlineData(ContextKeys.WorkerBatchSize, "11")]
    [InlineData(ContextKeys.WorkerMaxConcurrency, "1")]
    [InlineData(ContextKeys.RetainData, "maybe")]
    [InlineData(ContextKeys.DemoTools, "yes")]
    [InlineData(ContextKeys.UserPoolId, "eu-west-1_abc")]
    public void FromContext_BadValue_ThrowsNamingTheKey(string key, string value)
    {
        var context = new Dictionary<string, string>
        {
            [ContextKeys.ApiAssetDirectory] = Placeholder,
            [ContextKeys.WorkerAssetDirectory] = Placeholder,
            [key] = value,
        };

        var error = Assert.Throws<CdkConfigurationException>(() => AppSyncChatOptions.FromContext(k => context.GetValueOrDefault(k), "/", StackFixture.Now));

        // A pool id without its client id is reported on the client id key.
        Assert.Equal(key == ContextKeys.UserPoolId ? ContextKeys.UserPoolClientId : key, error.ContextKey);
        Assert.Contains(error.ContextKey, error.Message, StringComparison.Ordinal);
    }
}
