namespace AppSyncChat.Client.GraphQL;

/// <summary>Every wire name of the AppSync GraphQL HTTP protocol this client uses, in one place.</summary>
internal static class GraphQLWire
{
    public const string ApiKeyHeader = "x-api-key";
    public const string AuthorizationHeader = "Authorization";
    public const string JsonMediaType = "application/json";

    /// <summary>AppSync request id response headers (both spellings are seen).</summary>
    public static readonly string[] RequestIdHeaders = ["x-amzn-RequestId", "x-amz-request-id", "x-amzn-requestid"];

    // Request body.
    public const string Query = "query";
    public const string OperationName = "operationName";
    public const string Variables = "variables";

    // Response body.
    public const string Data = "data";
    public const string Errors = "errors";
    public const string ErrorType = "errorType";
    public const string ErrorMessage = "message";
    public const string ErrorPath = "path";
    public const string ErrorExtensions = "extensions";
    public const string ExtensionsCode = "code";
}

/// <summary>AppSync and our resolver's <c>errorType</c> values that the client treats specially.</summary>
public static class GraphQLErrorTypes
{
    public const string ValidationError = "ValidationError";
    public const string NotFound = "NotFound";
    public const string Conflict = "Conflict";
    public const string Unauthorized = "Unauthorized";

    /// <summary>AppSync's own auth failure (e.g. a wrong API key, HTTP 401).</summary>
    public const string UnauthorizedException = "UnauthorizedException";

    /// <summary>
    /// Classification of an <c>errorType</c>. AppSync prefixes some of its own (<c>Lambda:Unhandled</c>);
    /// matching ignores case and a namespace before <c>:</c> or <c>#</c>.
    /// </summary>
    internal static bool IsAuth(string? errorType) => Normalize(errorType) is "Unauthorized" or "UnauthorizedException"
        or "AccessDenied" or "AccessDeniedException" or "NotAuthorizedException" or "Forbidden";

    /// <summary>Server-side failures: throttling, timeouts, and resolver crashes (AppSync's <c>Lambda:…</c> types).</summary>
    internal static bool IsRetryable(string? errorType) => Normalize(errorType) is { } type && (type is "Throttling" or "ThrottlingException"
        or "TooManyRequestsException" or "ServiceUnavailable" or "InternalFailure" or "Timeout" or "ExecutionTimeout"
        || type.StartsWith("Lambda:", StringComparison.Ordinal));

    internal static string? Normalize(string? errorType)
    {
        if (string.IsNullOrEmpty(errorType))
        {
            return errorType;
        }

        var hash = errorType.LastIndexOf('#');
        var value = hash >= 0 ? errorType[(hash + 1)..] : errorType;
        return value;
    }
}
