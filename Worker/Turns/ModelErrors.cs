using System.Net;

namespace AppSyncChat.Worker.Turns;

public enum ModelFailureKind
{
    /// <summary>Throttled: retry with backoff (before any text).</summary>
    Throttled,

    /// <summary>A transient service fault (5xx, connection reset): retry with backoff (before any text).</summary>
    Transient,

    /// <summary>Retrying the same request will not help (validation, access denied, unknown model).</summary>
    Permanent,
}

/// <summary>What the worker knows about a model failure: how to react, and what to tell viewers.</summary>
public sealed record ModelFailure(ModelFailureKind Kind, string Code, string Message)
{
    public bool Retryable => Kind != ModelFailureKind.Permanent;
}

/// <summary>
/// Maps an exception thrown by the <c>IChatClient</c> to a <see cref="ModelFailure"/>. This is the only
/// place that knows the model client's exception types, so the turn logic depends on none of them.
/// </summary>
public interface IModelErrorClassifier
{
    ModelFailure Classify(Exception exception);
}

/// <summary>
/// Classifies by the shapes any HTTP model client produces: <see cref="HttpRequestException"/> with a
/// status (429 throttled; 408, 5xx transient), timeouts and I/O errors (transient). Clients with a typed
/// exception plug in through <paramref name="adapter"/>, which answers first (null = not recognised).
/// </summary>
public sealed class ModelErrorClassifier(Func<Exception, ModelFailure?>? adapter = null) : IModelErrorClassifier
{
    public ModelFailure Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (adapter?.Invoke(current) is { } adapted)
            {
                return adapted;
            }
        }

        return exception switch
        {
            HttpRequestException { StatusCode: HttpStatusCode.TooManyRequests } =>
                new ModelFailure(ModelFailureKind.Throttled, "ThrottlingException", "The model is throttling requests."),
            HttpRequestException { StatusCode: HttpStatusCode.RequestTimeout or >= HttpStatusCode.InternalServerError } http =>
                new ModelFailure(ModelFailureKind.Transient, "ServiceError", $"The model service failed ({(int)http.StatusCode!})."),
            HttpRequestException { StatusCode: null } or IOException or TimeoutException =>
                new ModelFailure(ModelFailureKind.Transient, "ConnectionError", "The connection to the model failed."),
            _ => new ModelFailure(ModelFailureKind.Permanent, "ModelError", "The model failed."),
        };
    }
}
