namespace AppSyncChat.Contracts.Configuration;

/// <summary>
/// Every environment variable the Api and Worker read, in one place. Every host (the CDK stack, the Local
/// stack, the benchmark, tests) builds a function's environment with <see cref="ApiEnvironment"/> or
/// <see cref="WorkerEnvironment"/>; production code never learns whether it talks to AWS or to Local, only
/// the endpoints differ.
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

    /// <summary>The turn queue's visibility timeout in seconds (the CDK stack and the Local stack set it from the queue they create).</summary>
    public const string QueueVisibilityTimeoutSeconds = "APPSYNCCHAT_QUEUE_VISIBILITY_TIMEOUT_S";

    /// <summary>Seconds after which the Api fails a turn left QUEUED, or STREAMING with an expired lease (default: visibility timeout + 60 s).</summary>
    public const string AbandonTurnAfterSeconds = "APPSYNCCHAT_ABANDON_TURN_AFTER_S";

    /// <summary>Log format: <c>json</c> (Lambda default) or <c>text</c>.</summary>
    public const string LogFormat = "APPSYNCCHAT_LOG_FORMAT";

    // Worker tuning (all optional, with defaults in the Worker's options record).
    public const string CoalesceWindowMs = "APPSYNCCHAT_COALESCE_WINDOW_MS";

    /// <summary><c>true</c> offers the demo tools (<c>calculate</c>, <c>get_current_time</c>) to models that support tool use; default off.</summary>
    public const string DemoTools = "APPSYNCCHAT_DEMO_TOOLS";
    public const string FirstByteTimeoutMs = "APPSYNCCHAT_FIRST_BYTE_TIMEOUT_MS";
    public const string BetweenBytesTimeoutMs = "APPSYNCCHAT_BETWEEN_BYTES_TIMEOUT_MS";
    public const string HistoryMaxMessages = "APPSYNCCHAT_HISTORY_MAX_MESSAGES";
    public const string HistoryMaxCharacters = "APPSYNCCHAT_HISTORY_MAX_CHARACTERS";

    /// <summary>Text characters after which the coalescer flushes before its window ends.</summary>
    public const string CoalesceMaxChars = "APPSYNCCHAT_COALESCE_MAX_CHARS";

    /// <summary>How long before the Lambda deadline a turn is ended (DeadlineExceeded) so its final state can be written.</summary>
    public const string DeadlineMarginMs = "APPSYNCCHAT_DEADLINE_MARGIN_MS";

    /// <summary>How long before the Lambda deadline the turn lease expires (smaller than the deadline margin).</summary>
    public const string LeaseMarginMs = "APPSYNCCHAT_LEASE_MARGIN_MS";

    /// <summary>How long before the Lambda deadline the batch handler answers, reporting records still running for retry.</summary>
    public const string ResponseMarginMs = "APPSYNCCHAT_RESPONSE_MARGIN_MS";

    /// <summary>HTTP attempts per AppSync Events publish, the first included.</summary>
    public const string PublishMaxAttempts = "APPSYNCCHAT_PUBLISH_MAX_ATTEMPTS";

    /// <summary>Time limit of one AppSync Events publish attempt.</summary>
    public const string PublishAttemptTimeoutMs = "APPSYNCCHAT_PUBLISH_ATTEMPT_TIMEOUT_MS";

    /// <summary>The longest backoff between two publish attempts.</summary>
    public const string PublishMaxDelayMs = "APPSYNCCHAT_PUBLISH_MAX_DELAY_MS";

    /// <summary>How often events the service rejected in <c>failed[]</c> are published again.</summary>
    public const string RepublishMaxAttempts = "APPSYNCCHAT_REPUBLISH_MAX_ATTEMPTS";

    /// <summary>How often a streaming worker reads the stopGeneration flag.</summary>
    public const string CancelPollMs = "APPSYNCCHAT_CANCEL_POLL_MS";

    /// <summary>How often partial text is checkpointed to the store while streaming.</summary>
    public const string CheckpointIntervalMs = "APPSYNCCHAT_CHECKPOINT_INTERVAL_MS";

    /// <summary>Model calls per round when the model throttles before any text (1 = no retry).</summary>
    public const string ModelMaxAttempts = "APPSYNCCHAT_MODEL_MAX_ATTEMPTS";

    /// <summary>maxTokens sent to the model when the request does not set one (Bedrock reserves quota for it up front).</summary>
    public const string ModelMaxTokens = "APPSYNCCHAT_MODEL_MAX_TOKENS";

    public const string MaxToolRounds = "APPSYNCCHAT_MAX_TOOL_ROUNDS";

    /// <summary>The largest answer in UTF-8 bytes (default and maximum: what a 400 KB DynamoDB item leaves for the text).</summary>
    public const string AnswerMaxBytes = "APPSYNCCHAT_ANSWER_MAX_BYTES";
    public const string ToolTimeoutMs = "APPSYNCCHAT_TOOL_TIMEOUT_MS";

    /// <summary>What a worker does when it takes over a turn whose lease expired: <c>restart</c> or <c>continue</c>.</summary>
    public const string TakeoverMode = "APPSYNCCHAT_TAKEOVER_MODE";
}
