namespace AppSyncChat.Aws.Sqs;

/// <summary>Client-side checks of message attributes, so bad input fails before a round trip with a clear message.</summary>
internal static class SqsMessageAttributeValidation
{
    public const int MaxAttributes = 10;
    public const int MaxNameLength = 256;

    public static void Validate(IReadOnlyDictionary<string, SqsMessageAttribute>? attributes)
    {
        if (attributes is null)
        {
            return;
        }

        if (attributes.Count > MaxAttributes)
        {
            throw new ArgumentException($"A message carries at most {MaxAttributes} attributes; got {attributes.Count}.", nameof(attributes));
        }

        foreach (var (name, value) in attributes)
        {
            ValidateName(name);
            ArgumentNullException.ThrowIfNull(value);
            var baseType = value.DataType.Split('.', 2)[0];
            if (baseType is not (SqsWireNames.DataTypes.String or SqsWireNames.DataTypes.Number or SqsWireNames.DataTypes.Binary))
            {
                throw new ArgumentException($"Attribute '{name}': DataType must be String, Number or Binary (optionally with a .label); got '{value.DataType}'.", nameof(attributes));
            }

            if (baseType == SqsWireNames.DataTypes.Binary ? value.BinaryValue is null : value.StringValue is null)
            {
                throw new ArgumentException($"Attribute '{name}' of type {value.DataType} has no value.", nameof(attributes));
            }
        }
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            throw new ArgumentException($"Attribute names are 1–{MaxNameLength} characters; got '{name}'.", nameof(name));
        }

        if (name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Attribute name '{name}' uses a reserved prefix (AWS. or Amazon.).", nameof(name));
        }

        if (name[0] == '.' || name[^1] == '.' || name.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Attribute name '{name}' may not start or end with '.' or contain '..'.", nameof(name));
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                throw new ArgumentException($"Attribute name '{name}' has a character outside [A-Za-z0-9_.-].", nameof(name));
            }
        }
    }
}
