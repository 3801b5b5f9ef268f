using System.Net;

namespace AppSyncChat.Aws.Lambda;

/// <summary>
/// The Runtime API refused the runtime (a container error on <c>next</c>, an unexpected status, or a missing
/// setting): the runtime must exit so Lambda can replace the execution environment.
/// </summary>
public sealed class LambdaRuntimeException : Exception
{
    public LambdaRuntimeException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException) => StatusCode = statusCode;

    public HttpStatusCode? StatusCode { get; }
}

/// <summary>Initialisation failed; it was reported to <c>/runtime/init/error</c> (see <see cref="Exception.InnerException"/>).</summary>
public sealed class LambdaInitializationException(string message, Exception innerException) : Exception(message, innerException);
