// The conversations this browser created or opened. An API-key caller cannot list conversations (every holder
// of the key is the same owner, so a list would show everybody's); it reaches a conversation only by its id,
// and the app remembers the ids it has seen.
import { type Conversation, type ConversationSummary } from '@appsyncchat/client';

const storageKey = 'appsyncchat.recentConversations';
const maxRemembered = 50;

export function recentConversations(): ConversationSummary[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(storageKey) ?? '[]');
    return Array.isArray(parsed) ? (parsed as ConversationSummary[]).filter((c) => typeof c?.conversationId === 'string') : [];
  } catch {
    return []; // unreadable storage: start afresh
  }
}

export function rememberConversation(c: Conversation): void {
  const last = c.messages.at(-1)?.text ?? null;
  const summary: ConversationSummary = {
    conversationId: c.conversationId,
    title: c.title ?? null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    lastMessagePreview: last ? last.slice(0, 80) : null,
  };
  const others = recentConversations().filter((r) => r.conversationId !== c.conversationId);
  const list = [summary, ...others].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, maxRemembered);
  try {
    localStorage.setItem(storageKey, JSON.stringify(list));
  } catch {
    // storage full or disabled: the list stays as it was
  }
}
