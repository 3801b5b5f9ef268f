namespace AppSyncChat.Cli;

/// <summary>The exit codes of <c>appsyncchat</c> (documented in README.md).</summary>
public static class ExitCodes
{
    /// <summary>Success: the answer completed, or the command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The answer failed, was interrupted or was stopped (the partial text was printed).</summary>
    public const int AnswerNotCompleted = 1;

    /// <summary>Bad arguments or configuration (unknown option, invalid id, missing credentials).</summary>
    public const int Usage = 2;

    /// <summary>Cannot connect, or the credentials were refused (GraphQL or AppSync Events).</summary>
    public const int ConnectionOrAuth = 3;

    /// <summary>The API refused the request: ValidationError, NotFound, Conflict, …</summary>
    public const int Rejected = 4;

    /// <summary>The service failed or answered something unexpected (throttled, 5xx, protocol error).</summary>
    public const int ServiceError = 5;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT), where nothing needed stopping.</summary>
    public const int Interrupted = 130;
}
