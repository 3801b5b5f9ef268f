using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace AppSyncChat.Local.Signing;

/// <summary>
/// Verifies AWS Signature Version 4 (<c>AWS4-HMAC-SHA256</c>, header form) on requests reaching a local
/// emulator, against the configured local credentials.
/// </summary>
/// <remarks>
/// The canonical request is rebuilt from exactly the headers the client listed in <c>SignedHeaders</c>
/// (see <see cref="SigV4CanonicalRequest"/>); the string to sign, the derived key and the HMAC come from
/// AWSSDK.Core's <see cref="AWS4Signer.ComputeSignature(ImmutableCredentials,string,DateTime,string,string,string)"/>,
/// the same code that signs our outbound requests. We cannot hand the request to the public
/// <c>AWSSigV4Signer.Sign</c> instead: it always adds and signs <c>x-amz-content-sha256</c>, so it could
/// never reproduce a signature from a client that does not (the JS SDK, the Amplify client, the published
/// test vectors). Presigned (query-string) requests and SigV4a are not supported.
/// </remarks>
public sealed class SigV4Verifier
{
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";
    private readonly SigV4VerifierOptions _options;

    public SigV4Verifier(SigV4VerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Region);
        ArgumentException.ThrowIfNullOrEmpty(options.Service);
        _options = options;
    }

    public SigV4VerifierOptions Options => _options;

    /// <summary>Verifies the request and throws <see cref="SigV4VerificationException"/> when it is rejected.</summary>
    public string EnsureValid(SigV4Request request)
    {
        var result = Verify(request);
        return result.Failure is { } failure ? throw new SigV4VerificationException(failure) : result.AccessKeyId!;
    }

    /// <summary>Verifies the request's signature; never throws for a bad signature.</summary>
    public SigV4VerificationResult Verify(SigV4Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Headers.TryGetValue("authorization", out var authorization) || string.IsNullOrWhiteSpace(authorization))
        {
            return SigV4VerificationResult.Invalid(SigV4FailureReason.MissingAuthentication, "Missing Authentication Token");
        }

        if (!SigV4Authorization.TryParse(authorization, out var auth, out var parseError))
        {
            return SigV4VerificationResult.Invalid(SigV4FailureReason.MalformedAuthorization, parseError);
        }

        var signedHeaders = auth.SignedHeaders;
        if (!request.Headers.TryGetValue("x-amz-date", out var amzDate)
            || !DateTime.TryParseExact(amzDate.Trim(), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return SigV4VerificationResult.Invalid(SigV4FailureReason.InvalidDate, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header in yyyyMMdd'T'HHmmss'Z' form.");
        }

        foreach (var required in RequiredSignedHeaders(request))
        {
            if (!signedHeaders.Contains(required, StringComparer.Ordinal))
            {
                return SigV4VerificationResult.Invalid(SigV4FailureReason.MissingSignedHeader, $"'{required}' must be a signed header.");
            }
        }

        foreach (var name in signedHeaders)
        {
            if (!request.Headers.ContainsKey(name))
            {
                return SigV4VerificationResult.Invalid(SigV4FailureReason.MissingSignedHeader, $"Signed header '{name}' is not present in the request.");
            }
        }

        if (!_options.Credentials.TryGetValue(auth.AccessKeyId, out var secret))
        {
            return SigV4VerificationResult.Invalid(SigV4FailureReason.UnknownAccessKey, "The security token included in the request is invalid.");
        }

        var scopeDate = signedAt.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        if (!string.Equals(auth.ScopeDate, scopeDate, StringComparison.Ordinal))
        {
            return SigV4VerificationResult.Invalid(SigV4FailureReason.ScopeMismatch, $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{auth.ScopeDate}' != '{scopeDate}'.");
        }

        if (!string.Equals(auth.ScopeRegion, _options.Region, StringComparison.Ordinal))
        {
            return SigV4VerificationResult.Invalid(SigV4FailureReason.ScopeMismatch, $"Credential should be scoped to a valid region, not '{auth.ScopeRegion}'; expecting '{_options.Region}'.");
        }

        if (!string.Equals(auth.ScopeService, _options.Service, StringComparison.Ordinal))
        {
            return SigV4VerificationResult.Invalid(SigV4FailureReason.ScopeMismatch, $"Credential should be scoped to correct service: '{_options.Service}'.");
        }

        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        if ((now - signedAt).Duration() > _options.MaxClockSkew)
        {
            return SigV4VerificationResult.Invalid(
                SigV4FailureReason.RequestExpired,
                $"Signature expired: {amzDate.Trim()} is now outside the allowed skew of {_options.MaxClockSkew.TotalMinutes:0} min from {now.ToString(DateFormat, CultureInfo.InvariantCulture)}.");
        }

        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(request.Body.Span));
        var payloadHash = bodyHash;
        if (request.Headers.TryGetValue("x-amz-content-sha256", out var declaredHash) && signedHeaders.Contains("x-amz-content-sha256", StringComparer.Ordinal))
        {
            declaredHash = declaredHash.Trim();
            if (!string.Equals(declaredHash, bodyHash, StringComparison.OrdinalIgnoreCase))
            {
                return SigV4VerificationResult.Invalid(SigV4FailureReason.PayloadHashMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.");
            }

            payloadHash = declaredHash;
        }

        var canonical = SigV4CanonicalRequest.Build(request.Method, request.RawTarget, request.Headers, signedHeaders, payloadHash);
        var credentials = new ImmutableCredentials(auth.AccessKeyId, secret, null);
        var expected = AWS4Signer.ComputeSignature(credentials, auth.ScopeRegion, signedAt, auth.ScopeService, string.Join(';', signedHeaders), canonical).Signature;

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(auth.Signature.ToLowerInvariant()))
            ? SigV4VerificationResult.Valid(auth.AccessKeyId)
            : SigV4VerificationResult.Invalid(
                SigV4FailureReason.SignatureMismatch,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
    }

    private static IEnumerable<string> RequiredSignedHeaders(SigV4Request request)
    {
        yield return "host";
        yield return "x-amz-date";
        if (request.Headers.ContainsKey("x-amz-security-token"))
        {
            yield return "x-amz-security-token";
        }
    }
}
