using System.Globalization;
using System.Security.Cryptography;

namespace AppSyncChat.Local.Lambda;

/// <summary>X-Ray trace headers in the format Lambda hands to runtimes: <c>Root=1-&lt;epoch hex&gt;-&lt;24 hex&gt;;Parent=&lt;16 hex&gt;;Sampled=0</c>.</summary>
internal static class LambdaTraceIds
{
    public static string New(TimeProvider time)
    {
        var epoch = time.GetUtcNow().ToUnixTimeSeconds().ToString("x8", CultureInfo.InvariantCulture);
        return $"Root=1-{epoch}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))};Parent={Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))};Sampled=0";
    }

    /// <summary>The caller's header when it has a Root, else a new one.</summary>
    public static string Continue(string? incoming, TimeProvider time) =>
        !string.IsNullOrWhiteSpace(incoming) && incoming.Contains("Root=", StringComparison.Ordinal) ? incoming.Trim() : New(time);
}
