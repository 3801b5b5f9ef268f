using System.Text.Json;
using AppSyncChat.Api.Errors;

namespace AppSyncChat.Api.Validation;

/// <summary>
/// Strict reading of one GraphQL input object from the resolver event: typed getters with the field's
/// path in every error, and <see cref="RejectUnknown"/> for fields the schema does not define (AppSync
/// validates against the schema first; this keeps the resolver safe behind any other caller too).
/// </summary>
internal sealed class ArgumentReader
{
    private readonly JsonElement _element;
    private readonly string _path;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private ArgumentReader(JsonElement element, string path)
    {
        _element = element;
        _path = path;
    }

    /// <summary>The field's <c>arguments</c> object; a missing or null one reads as empty.</summary>
    public static ArgumentReader ForArguments(JsonElement arguments)
    {
        if (arguments.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            using var empty = JsonDocument.Parse("{}");
            return new ArgumentReader(empty.RootElement.Clone(), string.Empty);
        }

        return arguments.ValueKind == JsonValueKind.Object
            ? new ArgumentReader(arguments, string.Empty)
            : throw ApiErrors.Validation("arguments must be an object.");
    }

    public ArgumentReader RequiredObject(string name) =>
        OptionalObject(name) ?? throw ApiErrors.InvalidField(Path(name), "is required");

    public ArgumentReader? OptionalObject(string name)
    {
        var value = Get(name);
        return value.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => null,
            JsonValueKind.Object => new ArgumentReader(value, Path(name)),
            _ => throw ApiErrors.InvalidField(Path(name), "must be an object"),
        };
    }

    public string RequiredString(string name) =>
        OptionalString(name) ?? throw ApiErrors.InvalidField(Path(name), "is required");

    public string? OptionalString(string name)
    {
        var value = Get(name);
        return value.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => null,
            JsonValueKind.String => ReadString(value, name),
            _ => throw ApiErrors.InvalidField(Path(name), "must be a string"),
        };
    }

    private string ReadString(JsonElement value, string name)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses escapes that decode to an unpaired surrogate.
            throw ApiErrors.InvalidField(Path(name), "contains an unpaired UTF-16 surrogate (not valid Unicode text)");
        }
    }

    public int? OptionalInt(string name)
    {
        var value = Get(name);
        return value.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => null,
            JsonValueKind.Number when value.TryGetInt32(out var number) => number,
            _ => throw ApiErrors.InvalidField(Path(name), "must be a 32-bit integer"),
        };
    }

    public double? OptionalFloat(string name)
    {
        var value = Get(name);
        return value.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => null,
            JsonValueKind.Number when value.TryGetDouble(out var number) && double.IsFinite(number) => number,
            _ => throw ApiErrors.InvalidField(Path(name), "must be a finite number"),
        };
    }

    /// <summary>Fails on any field that no getter asked for.</summary>
    public void RejectUnknown()
    {
        foreach (var property in _element.EnumerateObject())
        {
            if (!_read.Contains(property.Name))
            {
                throw ApiErrors.InvalidField(Path(property.Name), "is not a known field");
            }
        }
    }

    public string Path(string name) => _path.Length == 0 ? name : $"{_path}.{name}";

    private JsonElement Get(string name)
    {
        _read.Add(name);
        return _element.TryGetProperty(name, out var value) ? value : default;
    }
}
