namespace AppSyncChat.Local.Signing;

/// <summary>Why a request's SigV4 signature was not accepted.</summary>
public enum SigV4FailureReason
{
    /// <summary>No <c>Authorization</c> header at all.</summary>
    MissingAuthentication,

    /// <summary>The <c>Authorization</c> header is not a parsable <c>AWS4-HMAC-SHA256</c> header.</summary>
    MalformedAuthorization,

    /// <summary><c>X-Amz-Date</c> is missing, unsigned or not <c>yyyyMMddTHHmmssZ</c>.</summary>
    InvalidDate,

    /// <summary>A header required to be signed (<c>host</c>, <c>x-amz-date</c>, a sent security token) is not signed, or a signed header is absent.</summary>
    MissingSignedHeader,

    /// <summary>The access key id is not one of the configured local credentials.</summary>
    UnknownAccessKey,

    /// <summary>The credential scope names another date, region or service than the request and this endpoint.</summary>
    ScopeMismatch,

    /// <summary>The signing time is further from the server's clock than the allowed skew.</summary>
    RequestExpired,

    /// <summary>A signed <c>x-amz-content-sha256</c> header does not match the body.</summary>
    PayloadHashMismatch,

    /// <summary>The recomputed signature differs from the one sent.</summary>
    SignatureMismatch,
}

/// <summary>A rejected signature: the reason, a message in AWS's words, and the AWS error code to answer with.</summary>
public sealed record SigV4Failure(SigV4FailureReason Reason, string Message)
{
    /// <summary>The HTTP status AWS answers authentication failures with.</summary>
    public int HttpStatus => 403;

    /// <summary>The error type AWS's JSON protocols return for this failure (<c>X-Amzn-ErrorType</c>).</summary>
    public string ErrorCode => Reason switch
    {
        SigV4FailureReason.MissingAuthentication => "MissingAuthenticationTokenException",
        SigV4FailureReason.MalformedAuthorization or SigV4FailureReason.InvalidDate or SigV4FailureReason.MissingSignedHeader => "IncompleteSignatureException",
        SigV4FailureReason.UnknownAccessKey => "UnrecognizedClientException",
        _ => "InvalidSignatureException",
    };
}

/// <summary>The outcome of <see cref="SigV4Verifier.Verify"/>.</summary>
public sealed record SigV4VerificationResult
{
    private SigV4VerificationResult(string? accessKeyId, SigV4Failure? failure)
    {
        AccessKeyId = accessKeyId;
        Failure = failure;
    }

    /// <summary>The access key id that signed the request (when valid).</summary>
    public string? AccessKeyId { get; }

    /// <summary>Why the request was rejected; null when valid.</summary>
    public SigV4Failure? Failure { get; }

    public bool IsValid => Failure is null;

    internal static SigV4VerificationResult Valid(string accessKeyId) => new(accessKeyId, null);

    internal static SigV4VerificationResult Invalid(SigV4FailureReason reason, string message) => new(null, new SigV4Failure(reason, message));
}

/// <summary>Thrown by <see cref="SigV4Verifier.EnsureValid"/> for a rejected signature.</summary>
public sealed class SigV4VerificationException : Exception
{
    public SigV4VerificationException(SigV4Failure failure)
        : base((failure ?? throw new ArgumentNullException(nameof(failure))).Message)
    {
        Failure = failure;
    }

    public SigV4Failure Failure { get; }

    public SigV4FailureReason Reason => Failure.Reason;

    public string ErrorCode => Failure.ErrorCode;
}
