// Types of the GraphQL API (Contracts/schema.graphql). test/operations.test.ts validates every operation
// document against the schema, so the documents cannot drift from it.
import type { TokenUsage } from './events.js';

export type Role = 'USER' | 'ASSISTANT';
export type MessageStatus = 'QUEUED' | 'STREAMING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'INTERRUPTED';
export const FINAL_STATUSES: readonly MessageStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'INTERRUPTED'];
export const isFinalStatus = (status: string): boolean => (FINAL_STATUSES as readonly string[]).includes(status);

export interface ModelSettings {
  modelId?: string | null;
  maxTokens?: number | null;
  temperature?: number | null;
  topP?: number | null;
  systemPrompt?: string | null;
}
export type ModelSettingsInput = ModelSettings;

export interface MessageError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface Message {
  messageId: string;
  role: Role;
  text: string;
  status: MessageStatus;
  turn: number;
  seq: number;
  offset: number;
  createdAt: string;
  updatedAt: string;
  stopReason?: string | null;
  usage?: TokenUsage | null;
  error?: MessageError | null;
  checksum?: string | null;
}

export interface Conversation {
  conversationId: string;
  title?: string | null;
  createdAt: string;
  updatedAt: string;
  channel: string;
  activeMessageId?: string | null;
  settings?: ModelSettings | null;
  messages: Message[];
}

export interface ConversationSummary {
  conversationId: string;
  title?: string | null;
  createdAt: string;
  updatedAt: string;
  lastMessagePreview?: string | null;
}

export interface ConversationPage {
  items: ConversationSummary[];
  nextToken?: string | null;
}

export interface SendMessageInput {
  conversationId?: string | null;
  text: string;
  clientRequestId: string;
  settings?: ModelSettingsInput | null;
}

export interface CreateConversationInput {
  clientRequestId: string;
  title?: string | null;
  settings?: ModelSettingsInput | null;
}

export interface RegenerateInput {
  conversationId: string;
  clientRequestId: string;
  settings?: ModelSettingsInput | null;
}

export interface StopGenerationInput {
  conversationId: string;
  messageId: string;
}

export interface SendMessageResult {
  conversationId: string;
  userMessageId: string;
  assistantMessageId: string;
  channel: string;
  turn: number;
  status: MessageStatus;
}

export interface StopGenerationResult {
  conversationId: string;
  messageId: string;
  status: MessageStatus;
  accepted: boolean;
}

/** The channel of a conversation: /chat/<conversationId>. */
export const channelFor = (conversationId: string): string => `/chat/${conversationId}`;

/** A client request id (idempotency key): 1-50 of [A-Za-z0-9-]. */
export function newClientRequestId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  let s = '';
  for (let i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}
