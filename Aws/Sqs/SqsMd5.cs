using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AppSyncChat.Aws.Sqs;

/// <summary>
/// The MD5 digests SQS returns with messages (SQS Developer Guide, "Calculating the MD5 message digest
/// for message attributes"). MD5 is SQS's integrity check here, not a security control.
/// </summary>
public static class SqsMd5
{
    private const byte StringTransport = 1;
    private const byte BinaryTransport = 2;

    /// <summary>Lower-case hex MD5 of the UTF-8 body.</summary>
    public static string OfBody(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
#pragma warning disable CA5351 // MD5 is what the SQS protocol specifies for this integrity check.
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));
#pragma warning restore CA5351
    }

    /// <summary>
    /// Lower-case hex MD5 of message (or system) attributes: sorted by name in byte order; per attribute a
    /// 4-byte big-endian length and the UTF-8 name, the same for the data type, a transport byte (1 for
    /// String/Number, 2 for Binary) and the length-prefixed value. Null for no attributes (SQS sends none).
    /// </summary>
    public static string? OfAttributes(IReadOnlyDictionary<string, SqsMessageAttribute>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        foreach (var name in attributes.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            var attribute = attributes[name];
            WriteLengthPrefixed(buffer, Encoding.UTF8.GetBytes(name));
            WriteLengthPrefixed(buffer, Encoding.UTF8.GetBytes(attribute.DataType));
            if (IsBinary(attribute.DataType))
            {
                buffer.WriteByte(BinaryTransport);
                WriteLengthPrefixed(buffer, attribute.BinaryValue ?? []);
            }
            else
            {
                buffer.WriteByte(StringTransport);
                WriteLengthPrefixed(buffer, Encoding.UTF8.GetBytes(attribute.StringValue ?? ""));
            }
        }

#pragma warning disable CA5351 // MD5 is what the SQS protocol specifies for this integrity check.
        return Convert.ToHexStringLower(MD5.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
#pragma warning restore CA5351
    }

    /// <summary>True for <c>Binary</c> and <c>Binary.&lt;label&gt;</c>.</summary>
    public static bool IsBinary(string dataType) =>
        dataType.Equals(SqsWireNames.DataTypes.Binary, StringComparison.Ordinal)
        || dataType.StartsWith(SqsWireNames.DataTypes.Binary + ".", StringComparison.Ordinal);

    private static void WriteLengthPrefixed(MemoryStream buffer, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
        buffer.Write(length);
        buffer.Write(value);
    }
}
