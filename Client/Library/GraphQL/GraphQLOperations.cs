namespace AppSyncChat.Client.GraphQL;

/// <summary>The GraphQL documents the client sends: one per root field of <c>Contracts/schema.graphql</c>.</summary>
internal static class GraphQLOperations
{
    private const string SendResultFields = "conversationId userMessageId assistantMessageId channel turn status";

    private const string MessageFields =
        "messageId role text status turn seq offset createdAt updatedAt stopReason " +
        "usage { inputTokens outputTokens totalTokens } error { code message retryable } checksum";

    public const string SendMessage =
        "mutation SendMessage($input: SendMessageInput!) { sendMessage(input: $input) { " + SendResultFields + " } }";

    public const string Regenerate =
        "mutation Regenerate($input: RegenerateInput!) { regenerate(input: $input) { " + SendResultFields + " } }";

    public const string StopGeneration =
        "mutation StopGeneration($input: StopGenerationInput!) { stopGeneration(input: $input) { conversationId messageId status accepted } }";

    private const string ConversationFields =
        "conversationId title createdAt updatedAt channel activeMessageId messages { " + MessageFields + " } " +
        "settings { modelId maxTokens temperature topP systemPrompt }";

    public const string CreateConversation =
        "mutation CreateConversation($input: CreateConversationInput!) { createConversation(input: $input) { " + ConversationFields + " } }";

    public const string GetConversation =
        "query GetConversation($conversationId: ID!, $messageLimit: Int) { getConversation(conversationId: $conversationId, messageLimit: $messageLimit) { " +
        ConversationFields + " } }";

    public const string ListConversations =
        "query ListConversations($limit: Int, $nextToken: String) { listConversations(limit: $limit, nextToken: $nextToken) { " +
        "items { conversationId title createdAt updatedAt lastMessagePreview } nextToken } }";

    // Root field names, used to pick the result out of "data".
    public const string SendMessageField = "sendMessage";
    public const string RegenerateField = "regenerate";
    public const string CreateConversationField = "createConversation";
    public const string StopGenerationField = "stopGeneration";
    public const string GetConversationField = "getConversation";
    public const string ListConversationsField = "listConversations";
}

/// <summary>Variables of each operation (serialized with the client's JSON context).</summary>
internal sealed record InputVariables<T>(T Input);

internal sealed record GetConversationVariables(string ConversationId, int? MessageLimit);

internal sealed record ListConversationsVariables(int? Limit, string? NextToken);
