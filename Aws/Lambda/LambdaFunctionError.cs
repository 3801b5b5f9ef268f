using System.Text.Json.Serialization;

namespace AppSyncChat.Aws.Lambda;

/// <summary>The standard Lambda error body (<c>application/vnd.aws.lambda.error+json</c>).</summary>
public sealed record LambdaFunctionError(
    [property: JsonPropertyName("errorMessage")] string ErrorMessage,
    [property: JsonPropertyName("errorType")] string ErrorType,
    [property: JsonPropertyName("stackTrace")] IReadOnlyList<string>? StackTrace = null)
{
    /// <summary>The error body for an exception: its type name, message and stack frames.</summary>
    public static LambdaFunctionError FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var frames = exception.StackTrace?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        return new LambdaFunctionError(exception.Message, exception.GetType().Name, frames);
    }
}

/// <summary>The Runtime API's own status body, <c>{"status":"OK"}</c>.</summary>
public sealed record LambdaRuntimeStatus([property: JsonPropertyName("status")] string Status);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LambdaFunctionError))]
[JsonSerializable(typeof(LambdaRuntimeStatus))]
public sealed partial class LambdaRuntimeJsonContext : JsonSerializerContext;
