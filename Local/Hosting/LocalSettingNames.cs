namespace AppSyncChat.Local.Hosting;

/// <summary>
/// The Local stack's own flags and environment variables (a flag wins over its variable). The settings
/// the Api and Worker read are in <c>Contracts/Configuration/SettingNames</c>, not here.
/// </summary>
public static class LocalSettingNames
{
    public const string GraphQLPort = "APPSYNCCHAT_LOCAL_GRAPHQL_PORT";
    public const string EventsPort = "APPSYNCCHAT_LOCAL_EVENTS_PORT";
    public const string EventsTlsPort = "APPSYNCCHAT_LOCAL_EVENTS_TLS_PORT";
    public const string BedrockPort = "APPSYNCCHAT_LOCAL_BEDROCK_PORT";
    public const string DynamoDbPort = "APPSYNCCHAT_LOCAL_DYNAMODB_PORT";
    public const string SqsPort = "APPSYNCCHAT_LOCAL_SQS_PORT";
    public const string LambdaPort = "APPSYNCCHAT_LOCAL_LAMBDA_PORT";
    public const string EndpointsFile = "APPSYNCCHAT_LOCAL_ENDPOINTS_FILE";
    public const string NodePath = "APPSYNCCHAT_LOCAL_NODE";
    public const string ModelId = "APPSYNCCHAT_LOCAL_MODEL_ID";
    public const string ModelTtftMs = "APPSYNCCHAT_LOCAL_MODEL_TTFT_MS";
    public const string ModelTokensPerSecond = "APPSYNCCHAT_LOCAL_MODEL_TOKENS_PER_SECOND";
    public const string ModelAnswerTokens = "APPSYNCCHAT_LOCAL_MODEL_ANSWER_TOKENS";

    public const string GraphQLPortFlag = "--graphql-port";
    public const string EventsPortFlag = "--events-port";
    public const string EventsTlsPortFlag = "--events-tls-port";
    public const string BedrockPortFlag = "--bedrock-port";
    public const string DynamoDbPortFlag = "--dynamodb-port";
    public const string SqsPortFlag = "--sqs-port";
    public const string LambdaPortFlag = "--lambda-port";
    public const string EndpointsFileFlag = "--endpoints-file";
    public const string NoEndpointsFileFlag = "--no-endpoints-file";
    public const string NoWebAppFlag = "--no-web-app";
    public const string NodePathFlag = "--node";
    public const string RepositoryRootFlag = "--repository-root";
    public const string ModelIdFlag = "--model-id";
    public const string ModelTtftMsFlag = "--model-ttft-ms";
    public const string ModelTokensPerSecondFlag = "--model-tokens-per-second";
    public const string ModelAnswerTokensFlag = "--model-answer-tokens";
    public const string HelpFlag = "--help";
}
