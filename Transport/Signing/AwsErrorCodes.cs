namespace AppSyncChat.Aws.Signing;

/// <summary>Error-type parsing shared by the JSON protocols (restJson1 and awsJson1.0).</summary>
public static class AwsErrorCodes
{
    /// <summary>
    /// Sanitises an error type from <c>X-Amzn-ErrorType</c>, <c>__type</c> or <c>code</c>: keep the text
    /// before the first <c>:</c>, then the text after the first <c>#</c>
    /// (<c>com.amazonaws.sqs#QueueDoesNotExist</c> → <c>QueueDoesNotExist</c>).
    /// </summary>
    public static string Sanitize(string errorType)
    {
        ArgumentNullException.ThrowIfNull(errorType);
        var colon = errorType.IndexOf(':', StringComparison.Ordinal);
        var value = colon >= 0 ? errorType[..colon] : errorType;
        var hash = value.IndexOf('#', StringComparison.Ordinal);
        return (hash >= 0 ? value[(hash + 1)..] : value).Trim();
    }
}
