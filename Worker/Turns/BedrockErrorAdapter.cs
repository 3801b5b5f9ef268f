using AppSyncChat.Aws.Bedrock;

namespace AppSyncChat.Worker.Turns;

/// <summary>Reads <see cref="BedrockRuntimeException"/> for the <see cref="ModelErrorClassifier"/>: code, status and the client's retryable verdict.</summary>
public static class BedrockErrorAdapter
{
    public static ModelErrorClassifier CreateClassifier() => new(Classify);

    public static ModelFailure? Classify(Exception exception) => exception switch
    {
        BedrockRuntimeException { ErrorCode: BedrockWireNames.ThrottlingException or BedrockWireNames.ModelNotReadyException } or BedrockRuntimeException { StatusCode: 429 } =>
            new ModelFailure(ModelFailureKind.Throttled, ((BedrockRuntimeException)exception).ErrorCode, "The model is busy (throttled)."),
        BedrockRuntimeException { IsRetryable: true } bedrock =>
            new ModelFailure(ModelFailureKind.Transient, bedrock.ErrorCode, $"The model service failed ({bedrock.ErrorCode})."),
        BedrockRuntimeException bedrock =>
            new ModelFailure(ModelFailureKind.Permanent, bedrock.ErrorCode, $"The model failed ({bedrock.ErrorCode})."),
        _ => null,
    };
}
