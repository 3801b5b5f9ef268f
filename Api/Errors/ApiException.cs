namespace AppSyncChat.Api.Errors;

/// <summary>
/// The Api's error family. Each concrete type's <em>class name</em> is the GraphQL <c>errorType</c>: the
/// Lambda runtime loop reports a thrown exception as a function error whose <c>errorType</c> is the
/// exception's type name, and AppSync shows that as the GraphQL error's <c>errorType</c> with the
/// message as <c>message</c> (docs/aws-protocols.md §7.1; the exact AppSync mapping is UNCONFIRMED — the
/// Local GraphQL endpoint does exactly this). Built only through <see cref="ApiErrors"/>.
/// </summary>
public abstract class ApiException : Exception
{
    private protected ApiException(string message, bool retryable, Exception? inner = null)
        : base(message, inner)
    {
        Retryable = retryable;
    }

    /// <summary>The GraphQL <c>errorType</c>: the concrete class name.</summary>
    public string ErrorType => GetType().Name;

    /// <summary>True when the same request may succeed later unchanged.</summary>
    public bool Retryable { get; }
}

/// <summary>Bad input: the request can never succeed as sent. Nothing was stored.</summary>
public sealed class ValidationError : ApiException
{
    internal ValidationError(string message)
        : base(message, retryable: false)
    {
    }
}

/// <summary>No such conversation or message for this caller (also the answer for another owner's ids).</summary>
public sealed class NotFound : ApiException
{
    internal NotFound(string message)
        : base(message, retryable: false)
    {
    }
}

/// <summary>The conversation is busy (one running answer at a time). Nothing was stored.</summary>
public sealed class Conflict : ApiException
{
    internal Conflict(string message)
        : base(message, retryable: true)
    {
    }
}

/// <summary>The caller's identity cannot own conversations.</summary>
public sealed class Unauthorized : ApiException
{
    internal Unauthorized(string message)
        : base(message, retryable: false)
    {
    }
}

/// <summary>Our fault or a dependency's; the message names the request id to quote.</summary>
public sealed class InternalError : ApiException
{
    internal InternalError(string message, bool retryable, Exception? inner)
        : base(message, retryable, inner)
    {
    }
}
