using System.Net;
using System.Text;
using Amazon.Runtime;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Aws.Bedrock;

namespace AppSyncChat.Aws.Tests.Errors;

/// <summary>
/// Every AWS service error our clients raise reads the same way (code, status, request id, retryable) through
/// <see cref="AwsServiceException"/>, and one classification (<see cref="AwsErrors"/>) covers ours and the official SDK's.
/// </summary>
public sealed class AwsServiceExceptionTests
{
    public static TheoryData<string, AwsServiceException, string, int?, string?, bool, AwsErrorKind> Errors => new()
    {
        { "Bedrock HTTP 429", BedrockHttp(429, "ThrottlingException"), "ThrottlingException", 429, "req-b", true, AwsErrorKind.Throttled },
        { "Bedrock HTTP 503", BedrockHttp(503, "ServiceUnavailableException"), "ServiceUnavailableException", 503, "req-b", true, AwsErrorKind.Transient },
        { "Bedrock HTTP 400", BedrockHttp(400, "ValidationException"), "ValidationException", 400, "req-b", false, AwsErrorKind.Permanent },
        { "Bedrock model not ready in the stream", BedrockErrors.FromStreamException("modelNotReadyException", """{"message":"loading"}"""u8, "req-s"), "ModelNotReadyException", 429, "req-s", true, AwsErrorKind.Throttled },
        { "Bedrock model error in the stream", BedrockErrors.FromStreamException("modelStreamErrorException", """{"message":"boom"}"""u8, "req-s"), "ModelStreamErrorException", 424, "req-s", false, AwsErrorKind.Permanent },
        { "Bedrock connection lost before the stream", BedrockErrors.FromTransport(new HttpRequestException("reset"), BedrockErrorPhase.BeforeStream, null), "NetworkError", null, null, true, AwsErrorKind.Transient },
        { "Events HTTP 429", EventsErrors.FromHttp(HttpStatusCode.TooManyRequests, """{"errors":[{"errorType":"TooManyRequestsException","message":"slow down"}]}""", "req-e", null), "TooManyRequestsException", 429, "req-e", true, AwsErrorKind.Throttled },
        { "Events HTTP 500", EventsErrors.FromHttp(HttpStatusCode.InternalServerError, "", "req-e", null), "InternalFailure", 500, "req-e", true, AwsErrorKind.Transient },
        { "Events HTTP 401", EventsErrors.FromHttp(HttpStatusCode.Unauthorized, """{"errors":[{"errorType":"UnauthorizedException","message":"no"}]}""", "req-e", null), "UnauthorizedException", 401, "req-e", false, AwsErrorKind.Permanent },
        { "Events check before sending", EventsErrors.Validation(EventsErrors.ClientCodes.TooManyEvents, "6 events"), "TooManyEvents", null, null, false, AwsErrorKind.Permanent },
        { "Events transport", EventsErrors.Transport("refused", null), "TransportError", null, null, true, AwsErrorKind.Transient },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void ServiceErrors_ReadTheSameThroughTheBase_AndClassifyOnce(string what, AwsServiceException error, string code, int? status, string? requestId, bool retryable, AwsErrorKind kind)
    {
        Assert.Equal((code, status, requestId, retryable, kind), (error.ErrorCode, error.StatusCode, error.RequestId, error.IsRetryable, error.Kind));
        Assert.True(AwsErrors.Classify(error) == kind, what);
    }

    [Theory]
    [InlineData(ErrorType.Sender, "QueueDoesNotExist", HttpStatusCode.BadRequest, AwsErrorKind.Permanent)]
    [InlineData(ErrorType.Sender, "AccessDenied", HttpStatusCode.Forbidden, AwsErrorKind.Permanent)]
    [InlineData(ErrorType.Sender, "RequestThrottled", HttpStatusCode.BadRequest, AwsErrorKind.Throttled)]
    [InlineData(ErrorType.Sender, "KMS.ThrottlingException", HttpStatusCode.BadRequest, AwsErrorKind.Throttled)]
    [InlineData(ErrorType.Sender, "SomethingElse", HttpStatusCode.TooManyRequests, AwsErrorKind.Throttled)]
    [InlineData(ErrorType.Receiver, "InternalError", HttpStatusCode.InternalServerError, AwsErrorKind.Transient)]
    [InlineData(ErrorType.Unknown, "Unknown", HttpStatusCode.BadGateway, AwsErrorKind.Transient)]
    public void OfficialSdkErrors_ClassifyByTheSameRules(ErrorType type, string code, HttpStatusCode status, AwsErrorKind kind)
    {
        var error = new AmazonServiceException("failed", type, code, "req-sqs", status);

        Assert.Equal(kind, AwsErrors.Classify(error));
    }

    [Fact]
    public void OfficialSdkSenderError_MarkedRetryable_IsTransient()
    {
        var error = new RetryableSenderError();

        Assert.Equal(AwsErrorKind.Transient, AwsErrors.Classify(error));
    }

    [Fact]
    public void OtherFailures_AreNotAwsServiceErrors()
    {
        Assert.Null(AwsErrors.Classify(new IOException("reset")));
        Assert.Null(AwsErrors.Classify(new HttpRequestException("refused")));
    }

    /// <summary>Like the SDK's generated exceptions that declare themselves retryable.</summary>
    private sealed class RetryableSenderError() : AmazonServiceException("failed", ErrorType.Sender, "RequestTimeout", "req-sqs", HttpStatusCode.BadRequest)
    {
        public override RetryableDetails Retryable => new(throttling: false);
    }

    private static BedrockRuntimeException BedrockHttp(int status, string code)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);
        response.Headers.TryAddWithoutValidation("x-amzn-RequestId", "req-b");
        response.Headers.TryAddWithoutValidation("X-Amzn-ErrorType", code + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
        return BedrockErrors.FromHttpError(status, response.Headers, Encoding.UTF8.GetBytes("""{"message":"m"}"""));
    }
}
