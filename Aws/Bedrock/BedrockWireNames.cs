namespace AppSyncChat.Aws.Bedrock;

/// <summary>Every wire name the Bedrock Runtime client and its emulator use (docs/aws-protocols.md §2).</summary>
public static class BedrockWireNames
{
    /// <summary>SigV4 signing name (not <c>bedrock-runtime</c>).</summary>
    public const string SigningName = "bedrock";

    public const string ConversePathSuffix = "/converse";
    public const string ConverseStreamPathSuffix = "/converse-stream";
    public const string ModelPathPrefix = "/model/";

    public const string RequestIdHeader = "x-amzn-RequestId";
    public const string ErrorTypeHeader = "X-Amzn-ErrorType";
    public const string JsonContentType = "application/json";

    // ConverseStream event types (the :event-type header).
    public const string MessageStart = "messageStart";
    public const string ContentBlockStart = "contentBlockStart";
    public const string ContentBlockDelta = "contentBlockDelta";
    public const string ContentBlockStop = "contentBlockStop";
    public const string MessageStop = "messageStop";
    public const string Metadata = "metadata";

    // Modeled stream exceptions (the :exception-type header) and their HTTP-error shape names.
    public const string InternalServerExceptionEvent = "internalServerException";
    public const string ModelStreamErrorExceptionEvent = "modelStreamErrorException";
    public const string ValidationExceptionEvent = "validationException";
    public const string ThrottlingExceptionEvent = "throttlingException";
    public const string ServiceUnavailableExceptionEvent = "serviceUnavailableException";

    public const string ValidationException = "ValidationException";
    public const string AccessDeniedException = "AccessDeniedException";
    public const string ResourceNotFoundException = "ResourceNotFoundException";
    public const string ModelTimeoutException = "ModelTimeoutException";
    public const string ThrottlingException = "ThrottlingException";
    public const string ModelNotReadyException = "ModelNotReadyException";
    public const string ModelErrorException = "ModelErrorException";
    public const string ModelStreamErrorException = "ModelStreamErrorException";
    public const string InternalServerException = "InternalServerException";
    public const string ServiceUnavailableException = "ServiceUnavailableException";

    // Stop reasons (StopReason enum).
    public const string EndTurn = "end_turn";
    public const string ToolUse = "tool_use";
    public const string MaxTokens = "max_tokens";
    public const string StopSequence = "stop_sequence";
    public const string GuardrailIntervened = "guardrail_intervened";
    public const string ContentFiltered = "content_filtered";
    public const string ModelContextWindowExceeded = "model_context_window_exceeded";

    public const string RoleUser = "user";
    public const string RoleAssistant = "assistant";

    /// <summary>The default public endpoint for a region.</summary>
    public static Uri DefaultEndpoint(string region) => new($"https://bedrock-runtime.{region}.amazonaws.com");

    /// <summary>
    /// The request path for a model id, percent-encoding the id as ONE path segment, so an ARN's
    /// <c>:</c> and <c>/</c> become <c>%3A</c> and <c>%2F</c> (SigV4 then encodes them again).
    /// </summary>
    public static string ModelPath(string modelId, bool stream)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        return ModelPathPrefix + Uri.EscapeDataString(modelId) + (stream ? ConverseStreamPathSuffix : ConversePathSuffix);
    }
}
