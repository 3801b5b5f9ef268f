using System.Text.RegularExpressions;

namespace AppSyncChat.Cdk.Graphql;

/// <summary>
/// The root fields (<c>Query</c>, <c>Mutation</c>, <c>Subscription</c>) of a GraphQL SDL text, so every field of
/// <c>schema.graphql</c> gets a resolver, including fields added later. A deliberately small reader: it
/// strips descriptions and comments, then reads the field names of each root type block.
/// </summary>
public static partial class RootFields
{
    public static IReadOnlyList<(string TypeName, string FieldName)> Read(string schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var text = BlockString().Replace(schema, " ");
        text = LineString().Replace(text, " ");
        text = Comment().Replace(text, " ");

        var fields = new List<(string, string)>();
        foreach (Match type in RootType().Matches(text))
        {
            var typeName = type.Groups["type"].Value;
            foreach (Match field in Field().Matches(type.Groups["body"].Value))
            {
                fields.Add((typeName, field.Groups["name"].Value));
            }
        }

        if (fields.Count == 0)
        {
            throw new ArgumentException("The schema declares no root fields.", nameof(schema));
        }

        return fields;
    }

    [GeneratedRegex("\"\"\"[\\s\\S]*?\"\"\"")]
    private static partial Regex BlockString();

    [GeneratedRegex("\"(?:[^\"\\\\\\n]|\\\\.)*\"")]
    private static partial Regex LineString();

    [GeneratedRegex("#[^\\n]*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"\btype\s+(?<type>Query|Mutation|Subscription)\b[^{]*\{(?<body>[^}]*)\}")]
    private static partial Regex RootType();

    [GeneratedRegex(@"^\s*(?<name>[_A-Za-z][_0-9A-Za-z]*)\s*[(:]", RegexOptions.Multiline)]
    private static partial Regex Field();
}
