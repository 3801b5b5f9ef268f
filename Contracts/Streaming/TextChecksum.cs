using System.Security.Cryptography;
using System.Text;

namespace AppSyncChat.Contracts.Streaming;

/// <summary>The checksum carried by terminal events: lowercase hex SHA-256 of the text's UTF-8 bytes.</summary>
public static class TextChecksum
{
    public static string Of(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
