// A small GraphQL-over-HTTP client for the AppSync API (fetch: browsers, React Native, Node 18+).
// Auth: API key (x-api-key) or a Cognito user pool token (Authorization).
import { CREATE_CONVERSATION, GET_CONVERSATION, LIST_CONVERSATIONS, REGENERATE, SEND_MESSAGE, STOP_GENERATION } from './operations.js';
import type { SnapshotSource } from './follower.js';
import type {
  Conversation,
  ConversationPage,
  CreateConversationInput,
  RegenerateInput,
  SendMessageInput,
  SendMessageResult,
  StopGenerationInput,
  StopGenerationResult,
} from './types.js';

export type GraphQLAuth =
  | { type: 'apiKey'; apiKey: string }
  /** A Cognito user pool token (ID or access token), or a function returning a fresh one. */
  | { type: 'userPool'; token: string | (() => string | Promise<string>) };

export interface GraphQLErrorEntry {
  message: string;
  errorType?: string;
  path?: (string | number)[];
}

/** A GraphQL error from the API. `errorType`: ValidationError, NotFound, Conflict, Unauthorized, InternalError, … */
export class ChatApiError extends Error {
  constructor(
    message: string,
    readonly errorType: string,
    readonly errors: GraphQLErrorEntry[] = [],
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ChatApiError';
  }
}

/** The part of `fetch` this client uses (global fetch of browsers, React Native and Node 18+). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

export interface GraphQLClientOptions {
  url: string;
  auth: GraphQLAuth;
  fetch?: FetchLike;
}

export class ChatGraphQLClient implements SnapshotSource {
  private readonly fetchFn: FetchLike;

  constructor(private readonly options: GraphQLClientOptions) {
    this.fetchFn = options.fetch ?? ((url, init) => (globalThis as unknown as { fetch: FetchLike }).fetch(url, init));
  }

  async request<T>(query: string, variables: Record<string, unknown>, field: string): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const auth = this.options.auth;
    if (auth.type === 'apiKey') headers['x-api-key'] = auth.apiKey;
    else headers.authorization = typeof auth.token === 'function' ? await auth.token() : auth.token;
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await this.fetchFn(this.options.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    } catch (error) {
      throw new ChatApiError(`Cannot reach ${this.options.url}: ${(error as Error).message ?? error}`, 'Connection');
    }
    let body: { data?: Record<string, unknown> | null; errors?: GraphQLErrorEntry[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new ChatApiError(`HTTP ${response.status} from ${this.options.url} (not JSON)`, response.status >= 500 ? 'Unavailable' : 'Http', [], response.status);
    }
    if (body.errors && body.errors.length > 0) {
      const first = body.errors[0];
      throw new ChatApiError(first.message, first.errorType ?? (response.status === 401 ? 'Unauthorized' : 'GraphQLError'), body.errors, response.status);
    }
    if (!response.ok) throw new ChatApiError(`HTTP ${response.status} from ${this.options.url}`, 'Http', [], response.status);
    return body.data?.[field] as T;
  }

  getConversation(conversationId: string, messageLimit?: number | null): Promise<Conversation | null> {
    return this.request(GET_CONVERSATION, { conversationId, messageLimit: messageLimit ?? null }, 'getConversation');
  }

  listConversations(limit?: number, nextToken?: string | null): Promise<ConversationPage> {
    return this.request(LIST_CONVERSATIONS, { limit: limit ?? null, nextToken: nextToken ?? null }, 'listConversations');
  }

  createConversation(input: CreateConversationInput): Promise<Conversation> {
    return this.request(CREATE_CONVERSATION, { input }, 'createConversation');
  }

  sendMessage(input: SendMessageInput): Promise<SendMessageResult> {
    return this.request(SEND_MESSAGE, { input }, 'sendMessage');
  }

  regenerate(input: RegenerateInput): Promise<SendMessageResult> {
    return this.request(REGENERATE, { input }, 'regenerate');
  }

  stopGeneration(input: StopGenerationInput): Promise<StopGenerationResult> {
    return this.request(STOP_GENERATION, { input }, 'stopGeneration');
  }
}
