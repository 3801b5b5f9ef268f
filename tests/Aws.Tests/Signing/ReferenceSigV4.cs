using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AppSyncChat.Aws.Tests.Signing;

/// <summary>
/// A deliberately independent SigV4 implementation (docs/aws-protocols.md §8.1, System.Security.Cryptography only),
/// itself checked against the published AWS vectors, used as the oracle for AWSSDK.Core's signer.
/// </summary>
internal static class ReferenceSigV4
{
    public static string CanonicalRequest(string method, string encodedPath, IEnumerable<KeyValuePair<string, string>> headers, string payloadHash)
    {
        var sorted = headers
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(' ', h.Value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        var builder = new StringBuilder();
        builder.Append(method).Append('\n');
        builder.Append(string.Join('/', encodedPath.Split('/').Select(UriEncode))).Append('\n'); // non-S3: encode the encoded path again
        builder.Append('\n'); // no query in the cases used here
        foreach (var (name, value) in sorted)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        builder.Append('\n').Append(SignedHeaders(sorted.Select(h => h.Name))).Append('\n').Append(payloadHash);
        return builder.ToString();
    }

    public static string SignedHeaders(IEnumerable<string> names) => string.Join(';', names.Select(n => n.ToLowerInvariant()).Order(StringComparer.Ordinal));

    public static string Signature(string secret, DateTime signedAt, string region, string service, string canonicalRequest)
    {
        var date = signedAt.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var stringToSign = $"AWS4-HMAC-SHA256\n{signedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}\n{date}/{region}/{service}/aws4_request\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        return Hex(Hmac(key, stringToSign));
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    public static string PayloadHash(string body) => Hex(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string UriEncode(string segment)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(segment))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
