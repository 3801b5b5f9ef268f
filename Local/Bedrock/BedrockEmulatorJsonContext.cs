using System.Text.Json.Serialization;

namespace AppSyncChat.Local.Bedrock;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EmulatorRequestInfo))]
[JsonSerializable(typeof(EmulatorErrorBody))]
[JsonSerializable(typeof(List<EmulatorRequestSummary>))]
[JsonSerializable(typeof(string))]
internal sealed partial class BedrockEmulatorJsonContext : JsonSerializerContext;

/// <summary>restJson1 error body; <c>originalStatusCode</c>/<c>resourceName</c> only for model errors.</summary>
internal sealed record EmulatorErrorBody(string Message)
{
    public int? OriginalStatusCode { get; init; }

    public string? OriginalMessage { get; init; }

    public string? ResourceName { get; init; }
}
