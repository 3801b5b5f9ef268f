using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace AppSyncChat.Api.Tracing;

/// <summary>
/// W3C <c>traceparent</c> for the queue message: continues the caller's trace when the GraphQL request
/// carried a valid <c>traceparent</c> header, else the Lambda's X-Ray trace (its root id is a valid W3C
/// trace id once the dashes are removed), else a new trace. The span id is always new (this hop).
/// </summary>
public static partial class TraceParent
{
    [GeneratedRegex("^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex W3cPattern();

    [GeneratedRegex("Root=1-([0-9a-f]{8})-([0-9a-f]{24})", RegexOptions.CultureInvariant)]
    private static partial Regex XRayRootPattern();

    public static string Create(string? incomingTraceParent, string? xRayTraceId)
    {
        var spanId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        if (incomingTraceParent is not null && W3cPattern().Match(incomingTraceParent.Trim()) is { Success: true } w3c
            && w3c.Groups[1].Value != new string('0', 32))
        {
            return $"00-{w3c.Groups[1].Value}-{spanId}-{w3c.Groups[3].Value}";
        }

        if (xRayTraceId is not null && XRayRootPattern().Match(xRayTraceId) is { Success: true } xRay)
        {
            var sampled = xRayTraceId.Contains("Sampled=1", StringComparison.Ordinal) ? "01" : "00";
            return $"00-{xRay.Groups[1].Value}{xRay.Groups[2].Value}-{spanId}-{sampled}";
        }

        return $"00-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}-{spanId}-00";
    }
}
