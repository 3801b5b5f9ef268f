using AppSyncChat.Aws.Signing;
using AppSyncChat.Contracts.Configuration;

namespace AppSyncChat.Local.Hosting;

/// <summary>
/// The environment the Api and Worker get, built from the same names the CDK stack sets
/// (<see cref="SettingNames"/>), with the local endpoints and credentials. The options' extra settings
/// override these.
/// </summary>
internal sealed class FunctionSettings(LocalStackOptions options, string dynamoDbUrl, string sqsUrl, string queueUrl, Uri bedrockUrl, Uri eventsHttpEndpoint)
{
    public IReadOnlyDictionary<string, string?> ForApi() => Overlay(Common(), options.ApiSettings);

    public IReadOnlyDictionary<string, string?> ForWorker()
    {
        var settings = Common();
        settings[SettingNames.BedrockEndpoint] = bedrockUrl.ToString().TrimEnd('/');
        settings[SettingNames.EventsHttpEndpoint] = eventsHttpEndpoint.ToString();
        // The Local stack shows the tool round trip (the emulator's [[tool=…]] directive), so it offers the demo tools.
        settings[SettingNames.DemoTools] = "true";
        return Overlay(settings, options.WorkerSettings);
    }

    private Dictionary<string, string?> Common() => new(StringComparer.Ordinal)
    {
        [SettingNames.Region] = options.Region,
        [AwsCredentialsFactory.AccessKeyId] = options.AccessKeyId,
        [AwsCredentialsFactory.SecretAccessKey] = options.SecretAccessKey,
        [SettingNames.TableName] = options.TableName,
        [SettingNames.QueueUrl] = queueUrl,
        [SettingNames.QueueVisibilityTimeoutSeconds] = ((int)options.QueueVisibilityTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        [SettingNames.DefaultModelId] = options.Model.ModelId,
        [SettingNames.DynamoDbEndpoint] = dynamoDbUrl,
        [SettingNames.SqsEndpoint] = sqsUrl,
        [SettingNames.LogFormat] = options.FunctionLogFormat,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    private static Dictionary<string, string?> Overlay(Dictionary<string, string?> settings, IReadOnlyDictionary<string, string> extra)
    {
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return settings;
    }
}
