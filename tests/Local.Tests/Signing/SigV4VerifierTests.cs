using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using AppSyncChat.Local.Signing;
using AppSyncChat.Testing;

namespace AppSyncChat.Local.Tests.Signing;

public sealed class SigV4VerifierTests
{
    // The AWS SigV4 test suite's common parameters (docs/aws-protocols.md §8.2).
    private const string SuiteAccessKey = "AKIDEXAMPLE";
    private const string SuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string SuiteDate = "20150830T123600Z";
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Fact]
    public void Verify_PublishedGetVanilla_Accepts()
    {
        var request = Request("GET", "/", new()
        {
            ["Host"] = "example.amazonaws.com",
            ["X-Amz-Date"] = SuiteDate,
            ["Authorization"] = SuiteAuthorization("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        });

        var result = SuiteVerifier().Verify(request);

        Assert.True(result.IsValid, result.Failure?.Message);
        Assert.Equal(SuiteAccessKey, result.AccessKeyId);
    }

    [Fact]
    public void Verify_PublishedGetVanillaWithSessionToken_Accepts()
    {
        var request = Request("GET", "/", new()
        {
            ["Host"] = "example.amazonaws.com",
            ["X-Amz-Date"] = SuiteDate,
            ["X-Amz-Security-Token"] = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
            ["Authorization"] = SuiteAuthorization("host;x-amz-date;x-amz-security-token", "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"),
        });

        Assert.True(SuiteVerifier().Verify(request).IsValid);
    }

    [Fact]
    public void Verify_PublishedPostFormUrlEncoded_Accepts()
    {
        var request = Request("POST", "/", new()
        {
            ["Host"] = "example.amazonaws.com",
            ["Content-Type"] = "application/x-www-form-urlencoded",
            ["X-Amz-Date"] = SuiteDate,
            ["Authorization"] = SuiteAuthorization("content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        }, "Param1=value1");

        Assert.True(SuiteVerifier().Verify(request).IsValid);
    }

    [Fact]
    public void Verify_PublishedGetVanillaWithOneSignatureDigitChanged_RejectsAsSignatureMismatch()
    {
        var request = Request("GET", "/", new()
        {
            ["Host"] = "example.amazonaws.com",
            ["X-Amz-Date"] = SuiteDate,
            ["Authorization"] = SuiteAuthorization("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30"),
        });

        var failure = SuiteVerifier().Verify(request).Failure;

        Assert.NotNull(failure);
        Assert.Equal(SigV4FailureReason.SignatureMismatch, failure.Reason);
        Assert.Equal("InvalidSignatureException", failure.ErrorCode);
        Assert.Equal(403, failure.HttpStatus);
    }

    [Fact]
    public async Task Verify_SignedBySdkHandlerWithArnModelPath_Accepts()
    {
        var captured = await SendSignedAsync(
            "http://127.0.0.1:4020/model/" + Uri.EscapeDataString("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0") + "/converse-stream",
            "{\"messages\":[]}");

        Assert.Contains("%3A", captured.RawTarget, StringComparison.Ordinal);
        var result = LocalVerifier().Verify(captured);

        Assert.True(result.IsValid, result.Failure?.Message);
    }

    [Fact]
    public async Task Verify_SignedRequestWithChangedBody_RejectsAsPayloadHashMismatch()
    {
        var captured = await SendSignedAsync("http://127.0.0.1:4020/model/m/converse", "{\"a\":1}");
        var tampered = new SigV4Request(captured.Method, captured.RawTarget, captured.Headers, "{\"a\":2}"u8.ToArray());

        var failure = LocalVerifier().Verify(tampered).Failure;

        Assert.Equal(SigV4FailureReason.PayloadHashMismatch, failure?.Reason);
    }

    [Fact]
    public async Task Verify_SignedRequestWithChangedPath_RejectsAsSignatureMismatch()
    {
        var captured = await SendSignedAsync("http://127.0.0.1:4020/model/m/converse", "{}");
        var tampered = new SigV4Request(captured.Method, "/model/other/converse", captured.Headers, captured.Body);

        Assert.Equal(SigV4FailureReason.SignatureMismatch, LocalVerifier().Verify(tampered).Failure?.Reason);
    }

    [Fact]
    public async Task Verify_ArnPathSingleEncodedInsteadOfDouble_RejectsAsSignatureMismatch()
    {
        // The client signed /model/arn%3A…; a server that canonicalised the decoded path (single encoding) would differ.
        var captured = await SendSignedAsync("http://127.0.0.1:4020/model/" + Uri.EscapeDataString("arn:aws:bedrock:us-east-1:1:x/y") + "/converse", "{}");
        var decodedPath = new SigV4Request(captured.Method, Uri.UnescapeDataString(captured.RawTarget), captured.Headers, captured.Body);

        Assert.Equal(SigV4FailureReason.SignatureMismatch, LocalVerifier().Verify(decodedPath).Failure?.Reason);
    }

    [Fact]
    public async Task Verify_UnknownAccessKey_RejectsAsUnrecognizedClient()
    {
        var captured = await SendSignedAsync("http://127.0.0.1:4020/model/m/converse", "{}", new BasicAWSCredentials("AKIDSOMEONEELSE", "other-secret"));

        var failure = LocalVerifier().Verify(captured).Failure;

        Assert.Equal(SigV4FailureReason.UnknownAccessKey, failure?.Reason);
        Assert.Equal("UnrecognizedClientException", failure?.ErrorCode);
    }

    [Fact]
    public async Task Verify_WrongSecret_RejectsAsSignatureMismatch()
    {
        var captured = await SendSignedAsync("http://127.0.0.1:4020/model/m/converse", "{}", new BasicAWSCredentials(SigV4VerifierOptions.LocalAccessKeyId, "not-the-secret"));

        Assert.Equal(SigV4FailureReason.SignatureMismatch, LocalVerifier().Verify(captured).Failure?.Reason);
    }

    [Fact]
    public async Task Verify_WrongServiceScope_RejectsAsScopeMismatch()
    {
        var captured = await SendSignedAsync("http://127.0.0.1:4020/event", "{}", service: "appsync");

        Assert.Equal(SigV4FailureReason.ScopeMismatch, LocalVerifier().Verify(captured).Failure?.Reason);
    }

    [Fact]
    public async Task Verify_ClockMovedBeyondSkew_RejectsAsRequestExpired()
    {
        var captured = await SendSignedAsync("http://127.0.0.1:4020/model/m/converse", "{}");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var verifier = new SigV4Verifier(SigV4VerifierOptions.ForLocalStack("bedrock", clock));
        Assert.True(verifier.Verify(captured).IsValid);

        clock.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(SigV4FailureReason.RequestExpired, verifier.Verify(captured).Failure?.Reason);
    }

    [Fact]
    public async Task Verify_SessionCredentials_AcceptsAndRequiresTokenSigned()
    {
        var captured = await SendSignedAsync(
            "http://127.0.0.1:4020/model/m/converse",
            "{}",
            new SessionAWSCredentials(SigV4VerifierOptions.LocalAccessKeyId, SigV4VerifierOptions.LocalSecretAccessKey, "local-session-token"));
        Assert.True(LocalVerifier().Verify(captured).IsValid);

        var headers = new Dictionary<string, string>(captured.Headers, StringComparer.OrdinalIgnoreCase)
        {
            ["X-Amz-Security-Token"] = "another-token",
        };
        var swapped = new SigV4Request(captured.Method, captured.RawTarget, headers, captured.Body);

        Assert.Equal(SigV4FailureReason.SignatureMismatch, LocalVerifier().Verify(swapped).Failure?.Reason);
    }

    [Theory]
    [InlineData(null, SigV4FailureReason.MissingAuthentication, "MissingAuthenticationTokenException")]
    [InlineData("Bearer abc", SigV4FailureReason.MalformedAuthorization, "IncompleteSignatureException")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", SigV4FailureReason.MalformedAuthorization, "IncompleteSignatureException")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", SigV4FailureReason.MissingSignedHeader, "IncompleteSignatureException")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", SigV4FailureReason.ScopeMismatch, "InvalidSignatureException")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150831/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", SigV4FailureReason.ScopeMismatch, "InvalidSignatureException")]
    public void Verify_BadAuthorizationHeader_ReturnsTypedFailure(string? authorization, SigV4FailureReason reason, string errorCode)
    {
        var headers = new Dictionary<string, string> { ["Host"] = "example.amazonaws.com", ["X-Amz-Date"] = SuiteDate };
        if (authorization is not null)
        {
            headers["Authorization"] = authorization;
        }

        var failure = SuiteVerifier().Verify(Request("GET", "/", headers)).Failure;

        Assert.Equal(reason, failure?.Reason);
        Assert.Equal(errorCode, failure?.ErrorCode);
    }

    [Fact]
    public void EnsureValid_BadSignature_ThrowsTypedException()
    {
        var request = Request("GET", "/", new()
        {
            ["Host"] = "example.amazonaws.com",
            ["X-Amz-Date"] = SuiteDate,
            ["Authorization"] = SuiteAuthorization("host;x-amz-date", new string('0', 64)),
        });

        var exception = Assert.Throws<SigV4VerificationException>(() => SuiteVerifier().EnsureValid(request));

        Assert.Equal(SigV4FailureReason.SignatureMismatch, exception.Reason);
        Assert.Equal("InvalidSignatureException", exception.ErrorCode);
    }

    private static SigV4Verifier SuiteVerifier() => new(new SigV4VerifierOptions
    {
        Credentials = new Dictionary<string, string> { [SuiteAccessKey] = SuiteSecret },
        Region = "us-east-1",
        Service = "service",
        TimeProvider = new ManualTimeProvider(SuiteTime),
    });

    private static SigV4Verifier LocalVerifier() => new(SigV4VerifierOptions.ForLocalStack("bedrock"));

    private static string SuiteAuthorization(string signedHeaders, string signature) =>
        $"AWS4-HMAC-SHA256 Credential={SuiteAccessKey}/20150830/us-east-1/service/aws4_request, SignedHeaders={signedHeaders}, Signature={signature}";

    private static SigV4Request Request(string method, string target, Dictionary<string, string> headers, string body = "") =>
        new(method, target, headers, Encoding.UTF8.GetBytes(body));

    /// <summary>Signs a request with AWSSDK.Core's handler (as our clients do) and captures it as it would arrive.</summary>
    private static async Task<SigV4Request> SendSignedAsync(string url, string body, AWSCredentials? credentials = null, string service = "bedrock")
    {
        var capture = new CapturingHandler();
        using var signer = new SigV4SigningHandler(
            credentials ?? new BasicAWSCredentials(SigV4VerifierOptions.LocalAccessKeyId, SigV4VerifierOptions.LocalSecretAccessKey),
            RegionEndpoint.USEast1,
            service,
            capture);
        using var client = new HttpClient(signer);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(url), content);
        return capture.Captured ?? throw new InvalidOperationException("nothing captured");
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public SigV4Request? Captured { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in request.Headers)
            {
                headers[name] = string.Join(',', values);
            }

            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            if (request.Content is not null)
            {
                foreach (var (name, values) in request.Content.Headers)
                {
                    headers[name] = string.Join(',', values);
                }
            }

            headers.TryAdd("Host", request.RequestUri!.Authority);
            Captured = new SigV4Request(request.Method.Method, request.RequestUri!.PathAndQuery, headers, body);
            return new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        }
    }
}
