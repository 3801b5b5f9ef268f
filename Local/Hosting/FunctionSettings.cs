using AppSyncChat.Contracts.Configuration;

namespace AppSyncChat.Local.Hosting;

/// <summary>
/// The environment the Api and Worker get here: the same builders the CDK stack uses, with the local
/// endpoints and credentials. The options' extra settings override these.
/// </summary>
internal sealed class FunctionSettings(LocalStackOptions options, string dynamoDbUrl, string sqsUrl, string queueUrl, Uri bedrockUrl, Uri eventsHttpEndpoint)
{
    public IReadOnlyDictionary<string, string> ForApi() => new ApiEnvironment
    {
        TableName = options.TableName,
        QueueUrl = queueUrl,
        QueueVisibilityTimeout = options.QueueVisibilityTimeout,
        LogFormat = options.FunctionLogFormat,
        OffAws = OffAws(),
        Overrides = options.ApiSettings,
    }.Build();

    public IReadOnlyDictionary<string, string> ForWorker() => new WorkerEnvironment
    {
        TableName = options.TableName,
        DefaultModelId = options.Model.ModelId,
        EventsHttpEndpoint = eventsHttpEndpoint.ToString(),
        // The Local stack shows the tool round trip (the emulator's [[tool=…]] directive), so it offers the demo tools.
        DemoTools = true,
        LogFormat = options.FunctionLogFormat,
        OffAws = OffAws() with { BedrockEndpoint = bedrockUrl.ToString().TrimEnd('/') },
        Overrides = options.WorkerSettings,
    }.Build();

    private OffAwsAccess OffAws() => new(options.Region, options.AccessKeyId, options.SecretAccessKey)
    {
        DynamoDbEndpoint = dynamoDbUrl,
        SqsEndpoint = sqsUrl,
    };
}
