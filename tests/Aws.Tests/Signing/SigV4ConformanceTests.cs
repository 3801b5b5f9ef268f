using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Signing;

namespace AppSyncChat.Aws.Tests.Signing;

/// <summary>
/// SigV4 as our clients use it (AWSSDK.Core) against the published AWS test-suite vectors
/// (aws-c-auth v4 suite; docs/aws-protocols.md §8.2) and against the request shapes this project sends.
/// </summary>
public sealed class SigV4ConformanceTests
{
    private const string AccessKey = "AKIDEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string SessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static readonly DateTime SuiteTime = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);

    public static TheoryData<string, string, string, string[], string, string> PublishedVectors => new()
    {
        { "get-vanilla", "GET", "", ["host:example.amazonaws.com", "x-amz-date:20150830T123600Z"], "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
        { "get-vanilla-with-session-token", "GET", "", ["host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "x-amz-security-token:" + SessionToken], "host;x-amz-date;x-amz-security-token", "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8" },
        { "post-x-www-form-urlencoded", "POST", "Param1=value1", ["content-type:application/x-www-form-urlencoded", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z"], "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
    };

    [Fact]
    public void ReferenceCanonicalRequest_GetVanilla_HashesToPublishedValue()
    {
        var canonical = ReferenceSigV4.CanonicalRequest("GET", "/", Headers("host:example.amazonaws.com", "x-amz-date:20150830T123600Z"), EmptyHash);

        Assert.Equal("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63", ReferenceSigV4.Hex(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
    }

    [Theory]
    [MemberData(nameof(PublishedVectors))]
    public void SdkComputeSignature_PublishedCanonicalRequest_MatchesPublishedSignature(string name, string method, string body, string[] headers, string signedHeaders, string signature)
    {
        var canonical = ReferenceSigV4.CanonicalRequest(method, "/", Headers(headers), ReferenceSigV4.PayloadHash(body));

        var sdk = AWS4Signer.ComputeSignature(new ImmutableCredentials(AccessKey, Secret, null), "us-east-1", SuiteTime, "service", signedHeaders, canonical);

        Assert.Equal(signature, ReferenceSigV4.Signature(Secret, SuiteTime, "us-east-1", "service", canonical));
        Assert.True(signature == sdk.Signature, $"{name}: AWSSDK.Core computed {sdk.Signature}");
    }

    /// <summary>
    /// AWSSDK.Core's public <c>AWSSigV4Signer.Sign</c> always adds and signs <c>x-amz-content-sha256</c>,
    /// so its signature for a suite request is the suite's canonical request plus that one header line;
    /// the reference implementation (checked above against the published values) must agree with it.
    /// </summary>
    [Theory]
    [MemberData(nameof(PublishedVectors))]
    public void AwsSigV4SignerSign_SuiteRequestWithFixedClock_SignsSuiteHeadersPlusContentSha256(string name, string method, string body, string[] headers, string signedHeaders, string signature)
    {
        _ = signature;
        var request = new AWSSigningRequest
        {
            HttpMethod = new HttpMethod(method),
            RequestUri = new Uri("https://example.amazonaws.com/"),
            Content = body.Length == 0 ? null : Encoding.UTF8.GetBytes(body),
        };
        foreach (var header in Headers(headers).Where(h => h.Key is not ("x-amz-date" or "x-amz-security-token")))
        {
            request.Headers[header.Key] = header.Value;
        }

        var credentials = name.Contains("session-token", StringComparison.Ordinal)
            ? (AWSCredentials)new SessionAWSCredentials(AccessKey, Secret, SessionToken)
            : new BasicAWSCredentials(AccessKey, Secret);
        var result = AWSSigV4Signer.Sign(request, Parameters(credentials, "service", SuiteTime));

        var payloadHash = ReferenceSigV4.PayloadHash(body);
        var expectedHeaders = Headers(headers).Append(new("x-amz-content-sha256", payloadHash)).ToList();
        var expectedSigned = ReferenceSigV4.SignedHeaders(expectedHeaders.Select(h => h.Key));
        var expected = ReferenceSigV4.Signature(Secret, SuiteTime, "us-east-1", "service", ReferenceSigV4.CanonicalRequest(method, "/", expectedHeaders, payloadHash));

        Assert.Equal(
            $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={expectedSigned}, Signature={expected}",
            result.Headers["Authorization"]);
        Assert.Equal("20150830T123600Z", result.Headers["X-Amz-Date"]);
        Assert.Equal(signedHeaders.Replace("host;x-amz-date", "host;x-amz-content-sha256;x-amz-date", StringComparison.Ordinal), expectedSigned);
        if (name.Contains("session-token", StringComparison.Ordinal))
        {
            Assert.Equal(SessionToken, result.Headers.Single(h => h.Key.Equals("x-amz-security-token", StringComparison.OrdinalIgnoreCase)).Value);
        }
    }

    [Fact]
    public void AwsSigV4SignerSign_AppSyncEventsIamPublish_ProducesDocumentedHeaderSetForFixedClock()
    {
        // docs/aws-protocols.md §1.4: the IAM header set of an Events publish, service "appsync".
        const string host = "abcdefghijklmnopqrstuvwxyz.appsync-api.us-east-1.amazonaws.com";
        const string body = "{\"channel\":\"/chat/c-1\",\"events\":[\"{\\\"type\\\":\\\"text.delta\\\"}\"]}";
        var signedAt = new DateTime(2025, 3, 13, 9, 30, 0, DateTimeKind.Utc);
        var request = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = new Uri($"https://{host}/event"), Content = Encoding.UTF8.GetBytes(body) };
        request.Headers["accept"] = "application/json, text/javascript";
        request.Headers["content-encoding"] = "amz-1.0";
        request.Headers["content-type"] = "application/json; charset=UTF-8";
        request.Headers["host"] = host;

        var result = AWSSigV4Signer.Sign(request, Parameters(new SessionAWSCredentials(AccessKey, Secret, "events-session-token"), "appsync", signedAt));

        var payloadHash = ReferenceSigV4.PayloadHash(body);
        var signed = request.Headers
            .Append(new("x-amz-content-sha256", payloadHash))
            .Append(new("x-amz-date", "20250313T093000Z"))
            .Append(new("x-amz-security-token", "events-session-token"))
            .ToList();
        var expected = ReferenceSigV4.Signature(Secret, signedAt, "us-east-1", "appsync", ReferenceSigV4.CanonicalRequest("POST", "/event", signed, payloadHash));
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250313/us-east-1/appsync/aws4_request, "
            + $"SignedHeaders=accept;content-encoding;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature={expected}",
            result.Headers["Authorization"]);
        Assert.Equal("20250313T093000Z", result.Headers["X-Amz-Date"]);
        Assert.Equal(payloadHash, result.Headers["X-Amz-Content-SHA256"]);
    }

    [Fact]
    public void AwsSigV4SignerSign_ArnModelIdPath_DoubleEncodesInCanonicalUri()
    {
        const string modelArn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";
        var encodedPath = "/model/" + Uri.EscapeDataString(modelArn) + "/converse-stream";
        Assert.Contains("arn%3Aaws%3Abedrock", encodedPath, StringComparison.Ordinal);
        Assert.Contains("inference-profile%2Fus.", encodedPath, StringComparison.Ordinal);
        var signedAt = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        const string body = "{\"messages\":[]}";
        var request = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = new Uri("https://bedrock-runtime.us-east-1.amazonaws.com" + encodedPath), Content = Encoding.UTF8.GetBytes(body) };
        request.Headers["host"] = "bedrock-runtime.us-east-1.amazonaws.com";

        var result = AWSSigV4Signer.Sign(request, Parameters(new BasicAWSCredentials(AccessKey, Secret), "bedrock", signedAt));

        var payloadHash = ReferenceSigV4.PayloadHash(body);
        var headers = Headers("host:bedrock-runtime.us-east-1.amazonaws.com", "x-amz-content-sha256:" + payloadHash, "x-amz-date:20250102T030405Z").ToList();
        var canonical = ReferenceSigV4.CanonicalRequest("POST", encodedPath, headers, payloadHash);
        Assert.Contains("/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A123456789012%253Ainference-profile%252Fus.anthropic.claude-3-5-haiku-20241022-v1%253A0/converse-stream\n", canonical, StringComparison.Ordinal);
        var doubleEncoded = ReferenceSigV4.Signature(Secret, signedAt, "us-east-1", "bedrock", canonical);
        var singleEncoded = ReferenceSigV4.Signature(Secret, signedAt, "us-east-1", "bedrock", canonical.Replace("%25", "%", StringComparison.Ordinal));
        Assert.EndsWith("Signature=" + doubleEncoded, result.Headers["Authorization"], StringComparison.Ordinal);
        Assert.NotEqual(singleEncoded, doubleEncoded);
        Assert.Contains("/bedrock/aws4_request", result.Headers["Authorization"], StringComparison.Ordinal);
    }

    private static AWSSigV4Parameters Parameters(AWSCredentials credentials, string service, DateTime signedAt) => new()
    {
        Credentials = credentials,
        Region = RegionEndpoint.USEast1,
        Service = service,
        SignedAt = signedAt,
    };

    private static IEnumerable<KeyValuePair<string, string>> Headers(params string[] lines) =>
        lines.Select(l => new KeyValuePair<string, string>(l[..l.IndexOf(':', StringComparison.Ordinal)], l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..]));
}
