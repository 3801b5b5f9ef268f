namespace AppSyncChat.Contracts.Configuration;

/// <summary>
/// Every environment variable the Api and Worker read, in one place. The CDK stack sets the same names
/// from these constants, and the Local stack sets them for the in-process hosts; production code never
/// learns whether it talks to AWS or to Local, only the endpoints differ.
/// </summary>
public static class SettingNames
{
    // Standard AWS / Lambda variables.
    public const string Region = "AWS_REGION";
    public const string LambdaRuntimeApi = "AWS_LAMBDA_RUNTIME_API";
    public const string TraceId = "_X_AMZN_TRACE_ID";

    // Shared by Api and Worker.
    public const string TableName = "APPSYNCCHAT_TABLE_NAME";
    public const string QueueUrl = "APPSYNCCHAT_QUEUE_URL";
    public const string DefaultModelId = "APPSYNCCHAT_MODEL_ID";

    /// <summary>The AppSync Events HTTP publish endpoint, <c>https://&lt;http-domain&gt;/event</c>.</summary>
    public const string EventsHttpEndpoint = "APPSYNCCHAT_EVENTS_HTTP_ENDPOINT";

    // Optional endpoint overrides (Local stack, VPC endpoints); unset means the regional AWS endpoint.
    public const string DynamoDbEndpoint = "APPSYNCCHAT_DYNAMODB_ENDPOINT";
    public const string SqsEndpoint = "APPSYNCCHAT_SQS_ENDPOINT";
    public const string BedrockEndpoint = "APPSYNCCHAT_BEDROCK_ENDPOINT";

    /// <summary>Days a conversation and its messages live after their last write (DynamoDB TTL); unset or 0 keeps them.</summary>
    public const string RetentionDays = "APPSYNCCHAT_RETENTION_DAYS";

    /// <summary>Log format: <c>json</c> (Lambda default) or <c>text</c>.</summary>
    public const string LogFormat = "APPSYNCCHAT_LOG_FORMAT";

    // Worker tuning (all optional, with defaults in the Worker's options record).
    public const string CoalesceWindowMs = "APPSYNCCHAT_COALESCE_WINDOW_MS";
    public const string PublishStrategy = "APPSYNCCHAT_PUBLISH_STRATEGY";
    public const string FirstByteTimeoutMs = "APPSYNCCHAT_FIRST_BYTE_TIMEOUT_MS";
    public const string BetweenBytesTimeoutMs = "APPSYNCCHAT_BETWEEN_BYTES_TIMEOUT_MS";
    public const string HistoryMaxMessages = "APPSYNCCHAT_HISTORY_MAX_MESSAGES";
    public const string HistoryMaxCharacters = "APPSYNCCHAT_HISTORY_MAX_CHARACTERS";
}
