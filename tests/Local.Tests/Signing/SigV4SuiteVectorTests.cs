using System.Text;
using AppSyncChat.Local.Signing;
using AppSyncChat.Testing;

namespace AppSyncChat.Local.Tests.Signing;

/// <summary>
/// More of the published AWS SigV4 test suite (aws-c-auth v4 cases, as embedded in aws-sdk-js-v3's
/// signature-v4 fixture): header canonicalisation and query canonicalisation, each request given in its
/// wire form (query percent-encoded as an HTTP client sends it).
/// </summary>
public sealed class SigV4SuiteVectorTests
{
    public static TheoryData<string, string, string, string[], string, string, string> Vectors => new()
    {
        { "get-header-key-duplicate", "GET", "/", ["my-header1:value2,value2,value1"], "", "host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea" },
        { "get-header-value-order", "GET", "/", ["my-header1:value4,value1,value3,value2"], "", "host;my-header1;x-amz-date", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01" },
        { "get-header-value-trim", "GET", "/", ["my-header1: value1", "my-header2:\"a   b   c\""], "", "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
        { "get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", [], "", "host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
        { "get-vanilla-empty-query-key", "GET", "/?Param1=value1", [], "", "host;x-amz-date", "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb" },
        { "get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", [], "", "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
        { "get-vanilla-query-unreserved", "GET", "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", [], "", "host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197" },
        { "get-vanilla-utf8-query", "GET", "/?%E1%88%B4=bar", [], "", "host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04" },
        { "post-header-key-sort", "POST", "/", ["my-header1:value1"], "", "host;my-header1;x-amz-date", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c" },
        { "post-header-value-case", "POST", "/", ["my-header1:VALUE1"], "", "host;my-header1;x-amz-date", "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d" },
        { "post-vanilla", "POST", "/", [], "", "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
        { "post-vanilla-query", "POST", "/?Param1=value1", [], "", "host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11" },
        { "post-vanilla-query-nonunreserved", "POST", "/?%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D", [], "", "host;x-amz-date", "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e" },
        { "post-vanilla-query-space", "POST", "/?p=", [], "", "host;x-amz-date", "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b" },
        { "post-x-www-form-urlencoded-parameters", "POST", "/", ["content-type:application/x-www-form-urlencoded; charset=utf8"], "Param1=value1", "content-type;host;x-amz-date", "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_PublishedSuiteCase_Accepts(string name, string method, string target, string[] headers, string body, string signedHeaders, string signature)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Host"] = "example.amazonaws.com",
            ["X-Amz-Date"] = "20150830T123600Z",
            ["Authorization"] = $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signedHeaders}, Signature={signature}",
        };
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            all[header[..colon]] = header[(colon + 1)..];
        }

        var verifier = new SigV4Verifier(new SigV4VerifierOptions
        {
            Credentials = new Dictionary<string, string> { ["AKIDEXAMPLE"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
            Region = "us-east-1",
            Service = "service",
            TimeProvider = new ManualTimeProvider(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero)),
        });

        var result = verifier.Verify(new SigV4Request(method, target, all, Encoding.UTF8.GetBytes(body)));

        Assert.True(result.IsValid, $"{name}: {result.Failure?.Message}");
    }
}
