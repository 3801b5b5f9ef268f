namespace AppSyncChat.Api.Errors;

/// <summary>The one place Api errors are built, with messages a person can act on.</summary>
public static class ApiErrors
{
    public static ValidationError Validation(string message) => new(message);

    public static ValidationError InvalidField(string path, string problem) => new($"{path} {problem}.");

    public static NotFound ConversationNotFound(string conversationId) =>
        new($"Conversation '{conversationId}' was not found. Check the id, and that you are signed in as the user who created it.");

    public static NotFound MessageNotFound(string conversationId, string messageId) =>
        new($"Message '{messageId}' was not found in conversation '{conversationId}'.");

    public static Conflict TurnRunning(string conversationId, string activeMessageId) =>
        new($"Conversation '{conversationId}' is still answering (message '{activeMessageId}'). Wait for it to finish or call stopGeneration, then send again.");

    public static Conflict ConversationChanged(string conversationId) =>
        new($"Conversation '{conversationId}' received a new message while regenerating; call regenerate again.");

    public static Conflict RequestInProgress(string clientRequestId) =>
        new($"A request with clientRequestId '{clientRequestId}' is still being processed. Retry in a few seconds.");

    public static Unauthorized UnsupportedIdentity(string what) =>
        new($"This API cannot tell who you are ({what}). Call it with an API key, a Cognito user pool token or IAM credentials.");

    public static Unauthorized ListNeedsIdentity() =>
        new("listConversations needs a signed-in caller (a Cognito user pool token or IAM credentials). API-key callers have no identity of their own: they reach a conversation by its id.");

    public static ValidationError UnknownField(string parentType, string fieldName) =>
        new($"{parentType}.{fieldName} is not a field this resolver serves.");

    public static ValidationError RequestIdReused(string clientRequestId) =>
        new($"clientRequestId '{clientRequestId}' was already used for a different request. Use a new clientRequestId for a new request.");

    public static InternalError Internal(string requestId, Exception? inner, bool retryable = true) =>
        new($"The request failed on our side (request id {requestId}). Try again; if it keeps failing, report the request id.", retryable, inner);
}
