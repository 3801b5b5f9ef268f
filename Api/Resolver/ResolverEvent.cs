using System.Text.Json;
using AppSyncChat.Api.Errors;

namespace AppSyncChat.Api.Resolver;

/// <summary>
/// The parts of AppSync's direct Lambda resolver event the Api uses (docs/aws-protocols.md §7.1):
/// <c>info.fieldName</c>/<c>parentTypeName</c>, <c>arguments</c>, <c>identity</c> and
/// <c>request.headers</c>. Elements point into the event's <see cref="JsonDocument"/>, which the caller owns.
/// </summary>
public sealed record ResolverEvent(string ParentTypeName, string FieldName, JsonElement Arguments, JsonElement Identity, IReadOnlyDictionary<string, string> Headers)
{
    public static ResolverEvent From(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiErrors.Validation("The invocation is not an AppSync resolver event (expected a JSON object).");
        }

        if (!root.TryGetProperty("info", out var info) || info.ValueKind != JsonValueKind.Object
            || !info.TryGetProperty("fieldName", out var field) || field.ValueKind != JsonValueKind.String)
        {
            throw ApiErrors.Validation("The invocation is not an AppSync resolver event (info.fieldName is missing).");
        }

        var parent = info.TryGetProperty("parentTypeName", out var parentType) && parentType.ValueKind == JsonValueKind.String
            ? parentType.GetString()!
            : string.Empty;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("request", out var request) && request.ValueKind == JsonValueKind.Object
            && request.TryGetProperty("headers", out var headerObject) && headerObject.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in headerObject.EnumerateObject())
            {
                if (header.Value.ValueKind == JsonValueKind.String)
                {
                    headers[header.Name] = header.Value.GetString()!;
                }
            }
        }

        return new ResolverEvent(
            parent,
            field.GetString()!,
            root.TryGetProperty("arguments", out var arguments) ? arguments : default,
            root.TryGetProperty("identity", out var identity) ? identity : default,
            headers);
    }
}
