namespace AppSyncChat.Cdk.Configuration;

/// <summary>
/// CDK context values the app reads (<c>cdk synth -c key=value</c> or <c>cdk.json</c> "context").
/// Every one is optional; <see cref="AppSyncChatOptions.FromContext"/> documents the defaults.
/// </summary>
public static class ContextKeys
{
    public const string StackName = "stackName";

    /// <summary>Folder holding the Api's <c>bootstrap</c> (output of <c>build-functions.sh</c>).</summary>
    public const string ApiAssetDirectory = "apiAssetDir";

    /// <summary>Folder holding the Worker's <c>bootstrap</c>.</summary>
    public const string WorkerAssetDirectory = "workerAssetDir";

    /// <summary>Comma-separated Bedrock model or inference-profile ids the Worker may call; the first is the default.</summary>
    public const string ModelIds = "modelIds";

    /// <summary>true offers the Worker's demo tools (<c>calculate</c>, <c>get_current_time</c>) to models that support tool use (default false).</summary>
    public const string DemoTools = "demoTools";

    /// <summary>Import this Cognito user pool instead of creating one.</summary>
    public const string UserPoolId = "userPoolId";

    /// <summary>App client of the imported pool (reported in the outputs); required with <see cref="UserPoolId"/>.</summary>
    public const string UserPoolClientId = "userPoolClientId";

    /// <summary>true lets anyone sign up to the created user pool (default false: an admin creates users).</summary>
    public const string SelfSignUp = "selfSignUp";

    public const string WorkerTimeoutSeconds = "workerTimeoutSeconds";
    public const string WorkerMemoryMb = "workerMemoryMb";
    public const string WorkerBatchSize = "workerBatchSize";
    public const string WorkerMaxConcurrency = "workerMaxConcurrency";
    public const string MaxReceiveCount = "maxReceiveCount";

    /// <summary>Days a conversation lives after its last write (DynamoDB TTL, set by the Api); unset keeps conversations.</summary>
    public const string RetentionDays = "retentionDays";

    /// <summary>E-mail address subscribed to the alarm topic (optional).</summary>
    public const string AlarmEmail = "alarmEmail";

    /// <summary>false deletes the table and the created user pool with the stack (default true: they are retained).</summary>
    public const string RetainData = "retainData";
}
