using AppSyncChat.Aws;

namespace AppSyncChat.Worker.Turns;

/// <summary>
/// Reads the model client's AWS errors (<see cref="AwsServiceException"/>: the Bedrock client's
/// <c>BedrockRuntimeException</c>) for the <see cref="ModelErrorClassifier"/>, through the one AWS classification
/// (<see cref="AwsServiceException.Kind"/>: throttled, transient, permanent).
/// </summary>
public static class BedrockErrorAdapter
{
    public static ModelErrorClassifier CreateClassifier() => new(Classify);

    public static ModelFailure? Classify(Exception exception) => exception is not AwsServiceException aws ? null : aws.Kind switch
    {
        AwsErrorKind.Throttled => new ModelFailure(ModelFailureKind.Throttled, aws.ErrorCode, "The model is busy (throttled)."),
        AwsErrorKind.Transient => new ModelFailure(ModelFailureKind.Transient, aws.ErrorCode, $"The model service failed ({aws.ErrorCode})."),
        _ => new ModelFailure(ModelFailureKind.Permanent, aws.ErrorCode, $"The model failed ({aws.ErrorCode})."),
    };
}
