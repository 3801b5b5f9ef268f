namespace AppSyncChat.Aws.Lambda;

/// <summary>Every Lambda Runtime API wire name (paths, headers, settings) in one place.</summary>
public static class LambdaRuntimeNames
{
    /// <summary>The <c>host:port</c> of the Runtime API (no scheme).</summary>
    public const string RuntimeApiSetting = "AWS_LAMBDA_RUNTIME_API";

    /// <summary>The X-Ray trace header of the current invocation, as Lambda's own runtimes expose it.</summary>
    public const string TraceIdSetting = "_X_AMZN_TRACE_ID";

    public const string FunctionNameSetting = "AWS_LAMBDA_FUNCTION_NAME";
    public const string FunctionVersionSetting = "AWS_LAMBDA_FUNCTION_VERSION";
    public const string FunctionMemorySizeSetting = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
    public const string RegionSetting = "AWS_REGION";

    public const string ApiVersion = "2018-06-01";
    public const string NextPath = "/" + ApiVersion + "/runtime/invocation/next";
    public const string InitErrorPath = "/" + ApiVersion + "/runtime/init/error";
    public const string InvocationPathPrefix = "/" + ApiVersion + "/runtime/invocation/";
    public const string ResponseSuffix = "/response";
    public const string ErrorSuffix = "/error";

    public static string ResponsePath(string requestId) => InvocationPathPrefix + Uri.EscapeDataString(requestId) + ResponseSuffix;

    public static string ErrorPath(string requestId) => InvocationPathPrefix + Uri.EscapeDataString(requestId) + ErrorSuffix;

    public const string RequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
    public const string DeadlineMsHeader = "Lambda-Runtime-Deadline-Ms";
    public const string InvokedFunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
    public const string TraceIdHeader = "Lambda-Runtime-Trace-Id";
    public const string ClientContextHeader = "Lambda-Runtime-Client-Context";
    public const string CognitoIdentityHeader = "Lambda-Runtime-Cognito-Identity";
    public const string FunctionErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    public const string ErrorContentType = "application/vnd.aws.lambda.error+json";

    /// <summary>Error types this runtime reports (UNCONFIRMED convention: AWS recommends <c>Category.Reason</c> and accepts any string).</summary>
    public static class ErrorTypes
    {
        /// <summary>Header value for an exception thrown by the handler (the body carries the exception type).</summary>
        public const string Unhandled = "Unhandled";

        /// <summary>The handler did not finish before <c>Lambda-Runtime-Deadline-Ms</c>; the same name Lambda reports for timeouts (UNCONFIRMED).</summary>
        public const string Timeout = "Sandbox.Timedout";

        /// <summary>The runtime was stopped while an invocation was in progress.</summary>
        public const string Shutdown = "Runtime.Shutdown";

        /// <summary>Initialisation (composition root) failed before the first invocation.</summary>
        public const string InitFailure = "Runtime.InitError";
    }
}
