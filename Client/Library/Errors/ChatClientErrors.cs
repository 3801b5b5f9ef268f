using System.Net;
using AppSyncChat.Client.GraphQL;

namespace AppSyncChat.Client.Errors;

/// <summary>The one place where the client's exceptions are built, so kinds and retry flags stay consistent.</summary>
public static class ChatClientErrors
{
    internal static GraphQLRequestException GraphQL(IReadOnlyList<GraphQLError> errors, HttpStatusCode? statusCode, string? requestId)
    {
        var first = errors[0];
        var kind = statusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || GraphQLErrorTypes.IsAuth(first.ErrorType)
            ? ChatErrorKind.Unauthorized
            : IsUnavailable(statusCode) || GraphQLErrorTypes.IsRetryable(first.ErrorType)
                ? ChatErrorKind.Unavailable
                : ChatErrorKind.Rejected;
        var where = first.Path.Count > 0 ? $" (at {string.Join('.', first.Path)})" : "";
        var type = first.ErrorType is null ? "" : $"{first.ErrorType}: ";
        var more = errors.Count > 1 ? $" (+{errors.Count - 1} more)" : "";
        return new GraphQLRequestException($"{type}{first.Message}{where}{more}", kind, errors, statusCode, requestId, kind == ChatErrorKind.Unavailable);
    }

    internal static ChatHttpException Http(HttpStatusCode statusCode, string? reason, string? requestId, Uri endpoint)
    {
        var kind = statusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? ChatErrorKind.Unauthorized
            : IsUnavailable(statusCode) ? ChatErrorKind.Unavailable : ChatErrorKind.Rejected;
        var hint = kind == ChatErrorKind.Unauthorized ? " — check the API key or token" : "";
        var text = $"{endpoint} answered HTTP {(int)statusCode} {reason ?? statusCode.ToString()}{hint}";
        return new ChatHttpException(text, kind, statusCode, requestId, kind == ChatErrorKind.Unavailable);
    }

    internal static ChatConnectionException Unreachable(Uri endpoint, Exception inner) =>
        new($"cannot reach {endpoint}: {Innermost(inner).Message}", endpoint, inner);

    internal static ChatConnectionException TimedOut(Uri endpoint, TimeSpan timeout, Exception inner) =>
        new($"no answer from {endpoint} within {timeout.TotalSeconds:0.#} s", endpoint, inner);

    internal static ChatProtocolException BadResponse(string detail, HttpStatusCode? statusCode, string? requestId, Exception? inner = null) =>
        new($"unexpected GraphQL response: {detail}", "BadResponse", statusCode, requestId, inner);

    internal static ChatProtocolException NotConverging(string conversationId, string detail) =>
        new($"catch-up of conversation {conversationId} could not converge: {detail}", "CatchUpFailed", null, null, null);

    /// <summary>What a null <c>getConversation</c> means: the id is unknown or belongs to someone else (the API does not say which).</summary>
    public static GraphQLRequestException ConversationNotFound(string conversationId) =>
        GraphQL([new GraphQLError(GraphQLErrorTypes.NotFound, $"Conversation {conversationId} does not exist or is not yours.", ["getConversation"])], null, null);

    internal static GraphQLRequestException MessageNotFound(string conversationId, string messageId) =>
        GraphQL([new GraphQLError(GraphQLErrorTypes.NotFound, $"Message {messageId} is not part of conversation {conversationId}.", ["getConversation", "messages"])], null, null);

    internal static ChatConnectionException SubscriptionLost(string channel, Exception? inner) =>
        new(inner is null
            ? $"the subscription to {channel} ended before the answer finished"
            : $"the subscription to {channel} failed: {Innermost(inner).Message}", null, inner);

    private static bool IsUnavailable(HttpStatusCode? statusCode) =>
        statusCode is HttpStatusCode.TooManyRequests || (int?)statusCode >= 500;

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }
}
