// The high-level client: GraphQL operations, the Events subscription and catch-up together.
import { AmplifyEventsSubscriber, configureAmplify, graphqlAuth, type ChatConfig } from './amplify.js';
import { ChatApiError, ChatGraphQLClient, type FetchLike } from './graphql-client.js';
import { ConversationFollower, type CatchUpOptions, type ChannelHandlers, type ChannelSubscriber, type ChannelSubscription, type Clock, type FollowRequest } from './follower.js';
import type { ChatUpdate } from './timeline.js';
import { channelFor, newClientRequestId, type Conversation, type ModelSettingsInput, type SendMessageResult } from './types.js';
import { emptyAnswerView, reduceAnswer, type AnswerView } from './view.js';

export interface ChatClientOptions {
  catchUp?: CatchUpOptions;
  /** The Events transport; default: aws-amplify's events API (configured by {@link ChatClient.create}). */
  subscriber?: ChannelSubscriber;
  fetch?: FetchLike;
  clock?: Clock;
}

/** A followed answer: its current view, updates as they happen, and the end. */
export interface Answer {
  readonly conversationId: string;
  /** Known once the message is known (after sendMessage, or the first snapshot when following). */
  readonly messageId: string | null;
  readonly result: SendMessageResult | null;
  /** The answer as a UI shows it now. */
  view(): AnswerView;
  /** Settles when the answer is final (with its final view), or rejects when following failed. */
  readonly done: Promise<AnswerView>;
  /** Stops following and unsubscribes (does not stop the generation: see ChatClient.stop). */
  close(): void;
}

/** Buffers a subscription's input until a follower takes it over. */
class Relay implements ChannelHandlers {
  private buffer: Array<(h: ChannelHandlers) => void> = [];
  private target: ChannelHandlers | null = null;
  private on(f: (h: ChannelHandlers) => void) {
    if (this.target) f(this.target);
    else this.buffer.push(f);
  }
  event = (data: unknown) => this.on((h) => h.event(data));
  reconnected = () => this.on((h) => h.reconnected());
  eventsLost = () => this.on((h) => h.eventsLost());
  failed = (error: unknown) => this.on((h) => h.failed(error));
  attach(target: ChannelHandlers) {
    this.target = target;
    for (const f of this.buffer) f(target);
    this.buffer = [];
  }
}

export class ChatClient {
  readonly api: ChatGraphQLClient;
  private readonly subscriber: ChannelSubscriber;

  constructor(
    readonly config: ChatConfig,
    private readonly options: ChatClientOptions = {},
  ) {
    this.api = new ChatGraphQLClient({ url: config.graphqlUrl, auth: graphqlAuth(config.auth), ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.subscriber = options.subscriber ?? new AmplifyEventsSubscriber();
  }

  /** Configures Amplify's Events API for `config` and returns a client. */
  static create(config: ChatConfig, options: ChatClientOptions = {}): ChatClient {
    if (!options.subscriber) configureAmplify(config);
    return new ChatClient(config, options);
  }

  /**
   * Subscribes (resolves once acknowledged). The service refuses the channel of a conversation that does not
   * exist or is not the caller's: then the snapshot tells which, and an unknown conversation is reported as the
   * API reports it (ChatApiError NotFound).
   */
  private async subscribe(conversationId: string, relay: Relay): Promise<ChannelSubscription> {
    try {
      return await this.subscriber.subscribe(channelFor(conversationId), relay);
    } catch (refused) {
      const exists = await this.api.getConversation(conversationId, 1).then(
        (c) => c !== null,
        () => true,
      );
      if (!exists) throw new ChatApiError(`Conversation ${conversationId} was not found.`, 'NotFound');
      throw refused;
    }
  }

  /** Follows a conversation's answer (the given message, the active one, or the newest). */
  async follow(request: FollowRequest, onUpdate?: (update: ChatUpdate, view: AnswerView) => void): Promise<Answer> {
    const relay = new Relay();
    const subscription = await this.subscribe(request.conversationId, relay);
    return this.startFollower(request, relay, subscription, null, onUpdate);
  }

  /**
   * Sends a message and follows its answer. With `conversationId`, subscribes first, then sends (nothing is
   * missed). Without it, creates the conversation first (createConversation), subscribes, then sends.
   */
  async send(
    text: string,
    options: { conversationId?: string; settings?: ModelSettingsInput; title?: string; clientRequestId?: string; onUpdate?: (update: ChatUpdate, view: AnswerView) => void } = {},
  ): Promise<Answer> {
    let conversationId = options.conversationId;
    if (!conversationId) {
      const created = await this.createConversation({ title: options.title ?? titleFrom(text), settings: options.settings });
      if (created) conversationId = created.conversationId;
    }
    if (!conversationId) {
      // The API has no createConversation (an older deployment): the channel is known only from
      // sendMessage's answer; subscribe right after it (events before that are recovered by catch-up).
      const result = await this.api.sendMessage({ text, clientRequestId: options.clientRequestId ?? newClientRequestId(), settings: options.settings ?? null });
      const relay = new Relay();
      const subscription = await this.subscribe(result.conversationId, relay);
      return this.startFollower({ conversationId: result.conversationId, messageId: result.assistantMessageId, prompt: text }, relay, subscription, result, options.onUpdate);
    }
    const relay = new Relay();
    const subscription = await this.subscribe(conversationId, relay);
    let result: SendMessageResult;
    try {
      result = await this.api.sendMessage({ conversationId, text, clientRequestId: options.clientRequestId ?? newClientRequestId(), settings: options.settings ?? null });
    } catch (error) {
      subscription.close();
      throw error;
    }
    // The text just sent is the prompt: the answer may show before the snapshot (which is where it comes from otherwise).
    return this.startFollower({ conversationId, messageId: result.assistantMessageId, prompt: text }, relay, subscription, result, options.onUpdate);
  }

  /** Answers the last user message again (a new assistant message) and follows it. */
  async regenerate(conversationId: string, options: { settings?: ModelSettingsInput; onUpdate?: (update: ChatUpdate, view: AnswerView) => void } = {}): Promise<Answer> {
    const relay = new Relay();
    const subscription = await this.subscribe(conversationId, relay);
    let result: SendMessageResult;
    try {
      result = await this.api.regenerate({ conversationId, clientRequestId: newClientRequestId(), settings: options.settings ?? null });
    } catch (error) {
      subscription.close();
      throw error;
    }
    return this.startFollower({ conversationId, messageId: result.assistantMessageId }, relay, subscription, result, options.onUpdate);
  }

  /**
   * createConversation; null when the API does not have it (then `send` falls back to sendMessage without
   * a conversationId).
   */
  async createConversation(input: { title?: string; settings?: ModelSettingsInput; clientRequestId?: string }): Promise<Conversation | null> {
    try {
      return await this.api.createConversation({ clientRequestId: input.clientRequestId ?? newClientRequestId(), title: input.title ?? null, settings: input.settings ?? null });
    } catch (error) {
      if (error instanceof ChatApiError && error.errorType === 'ValidationError' && /createConversation|CreateConversationInput/.test(error.message)) return null;
      throw error;
    }
  }

  /** Stops the running answer; the partial text is kept and the answer ends CANCELLED. */
  stop(conversationId: string, messageId: string) {
    return this.api.stopGeneration({ conversationId, messageId });
  }

  listConversations(limit = 50, nextToken?: string | null) {
    return this.api.listConversations(limit, nextToken);
  }

  getConversation(conversationId: string, messageLimit?: number) {
    return this.api.getConversation(conversationId, messageLimit ?? null);
  }

  private startFollower(
    request: FollowRequest,
    relay: Relay,
    subscription: ChannelSubscription,
    result: SendMessageResult | null,
    onUpdate?: (update: ChatUpdate, view: AnswerView) => void,
  ): Answer {
    let view: AnswerView = { ...emptyAnswerView, conversationId: request.conversationId, messageId: request.messageId ?? null };
    let resolveDone!: (v: AnswerView) => void;
    let rejectDone!: (e: unknown) => void;
    const done = new Promise<AnswerView>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    done.catch(() => undefined);
    const follower = new ConversationFollower(
      request,
      this.api,
      (update) => {
        view = reduceAnswer(view, update);
        onUpdate?.(update, view);
        if (update.kind === 'finished' && !request.followNewMessages) resolveDone(view);
      },
      this.options.catchUp,
      this.options.clock,
    );
    relay.attach(follower.handlers);
    follower.start().then(
      () => {
        subscription.close();
        resolveDone(view);
      },
      (error) => {
        subscription.close();
        rejectDone(error);
      },
    );
    return {
      conversationId: request.conversationId,
      get messageId() {
        return view.messageId;
      },
      result,
      view: () => view,
      done,
      close: () => {
        follower.stop();
        subscription.close();
      },
    };
  }
}

function titleFrom(text: string): string {
  const clean = text.replace(/\[\[[^\]]*\]\]/g, '').replace(/\s+/g, ' ').trim();
  return clean.length > 60 ? `${clean.slice(0, 57)}…` : clean || 'New conversation';
}
