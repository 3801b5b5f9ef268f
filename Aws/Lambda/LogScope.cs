namespace AppSyncChat.Aws.Lambda;

/// <summary>
/// Correlation ids for a logging scope. The JSON console formatter writes each pair as a field; the
/// text formatter prints <see cref="ToString"/> (<c>key=value, …</c>), not a type name.
/// </summary>
public sealed class LogScope(params KeyValuePair<string, object?>[] values) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => values.Length;

    public KeyValuePair<string, object?> this[int index] => values[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)values).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => values.GetEnumerator();

    public override string ToString() => string.Join(", ", values.Where(v => v.Value is not null).Select(v => $"{v.Key}={v.Value}"));
}
