namespace AppSyncChat.Local.Lambda;

/// <summary>What Lambda knows about one hosted function (its configuration, not its code).</summary>
public sealed record LambdaFunctionOptions
{
    public required string FunctionName { get; init; }

    /// <summary>The function timeout: each invocation's deadline is this long after a runtime picks it up. Lambda: 1 s – 15 min, default 3 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public string Region { get; init; } = "us-east-1";

    public string AccountId { get; init; } = "123456789012";

    public int MemorySizeMb { get; init; } = 512;

    /// <summary>Synchronous invocation response limit (6 MB in Lambda; UNCONFIRMED exact byte figure 6,291,456).</summary>
    public int MaxResponseBytes { get; init; } = 6 * 1024 * 1024;

    public string FunctionArn => $"arn:aws:lambda:{Region}:{AccountId}:function:{FunctionName}";

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(FunctionName) || FunctionName.Length > 64
            || !FunctionName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"Function name '{FunctionName}' must be 1–64 characters of [A-Za-z0-9_-].", nameof(FunctionName));
        }

        if (Timeout < TimeSpan.FromMilliseconds(1) || Timeout > TimeSpan.FromMinutes(15))
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "A function timeout is between 1 ms and 15 minutes (Lambda: 1–900 s).");
        }
    }
}

/// <summary>The outcome of one invocation, as the Lambda service reports it to an invoker.</summary>
/// <param name="FunctionError">Null on success; otherwise the value Lambda puts in <c>X-Amz-Function-Error</c> (<c>Unhandled</c>).</param>
/// <param name="ErrorType">For errors: the runtime's <c>Lambda-Runtime-Function-Error-Type</c> (or <c>Sandbox.Timedout</c>, <c>Runtime.InitError</c> …).</param>
public sealed record LambdaInvokeResult(string RequestId, ReadOnlyMemory<byte> Payload, string? FunctionError, string? ErrorType, TimeSpan Duration)
{
    public bool IsError => FunctionError is not null;
}
