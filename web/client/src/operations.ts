// GraphQL operation documents of Contracts/schema.graphql. test/operations.test.ts validates each one
// against the schema (graphql's `validate`), so a schema change that breaks them fails the tests.

const MESSAGE_FIELDS = `
    messageId
    role
    text
    status
    turn
    seq
    offset
    createdAt
    updatedAt
    stopReason
    usage { inputTokens outputTokens totalTokens }
    error { code message retryable }
    checksum`;

const SEND_RESULT_FIELDS = `
    conversationId
    userMessageId
    assistantMessageId
    channel
    turn
    status`;

const CONVERSATION_FIELDS = `
    conversationId
    title
    createdAt
    updatedAt
    channel
    activeMessageId
    settings { modelId maxTokens temperature topP systemPrompt }
    messages {${MESSAGE_FIELDS}
    }`;

export const GET_CONVERSATION = `query GetConversation($conversationId: ID!, $messageLimit: Int) {
  getConversation(conversationId: $conversationId, messageLimit: $messageLimit) {${CONVERSATION_FIELDS}
  }
}`;

export const LIST_CONVERSATIONS = `query ListConversations($limit: Int, $nextToken: String) {
  listConversations(limit: $limit, nextToken: $nextToken) {
    items { conversationId title createdAt updatedAt lastMessagePreview }
    nextToken
  }
}`;

export const CREATE_CONVERSATION = `mutation CreateConversation($input: CreateConversationInput!) {
  createConversation(input: $input) {${CONVERSATION_FIELDS}
  }
}`;

export const SEND_MESSAGE = `mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) {${SEND_RESULT_FIELDS}
  }
}`;

export const REGENERATE = `mutation Regenerate($input: RegenerateInput!) {
  regenerate(input: $input) {${SEND_RESULT_FIELDS}
  }
}`;

export const STOP_GENERATION = `mutation StopGeneration($input: StopGenerationInput!) {
  stopGeneration(input: $input) {
    conversationId
    messageId
    status
    accepted
  }
}`;

/** Every operation, by name (the tests validate each against the schema). */
export const OPERATIONS = {
  GetConversation: GET_CONVERSATION,
  ListConversations: LIST_CONVERSATIONS,
  CreateConversation: CREATE_CONVERSATION,
  SendMessage: SEND_MESSAGE,
  Regenerate: REGENERATE,
  StopGeneration: STOP_GENERATION,
} as const;
