// The driver of the catch-up algorithm (docs/catch-up.md): a port of the .NET
// Client/Library/CatchUp/ConversationFollower.cs. Subscribe first and buffer, fetch the snapshot, apply
// the events that extend it, re-fetch on a gap, a reconnect, a checksum mismatch or a long silence, and
// end with the verified final text. Single-threaded: inputs are handled one at a time, in order.
// When the message is known, the first snapshot is read in the background: if the message's turn.started
// of turn 1 at seq 0, offset 0 arrives first, the text starts from empty at once and the snapshot is applied
// when it comes, as any later one (MessageTimeline.canStartFromEmpty).
import { parseStreamEvent, type StreamEvent } from './events.js';
import { MessageTimeline, type ChatUpdate, type ResyncReason } from './timeline.js';
import type { Conversation, Message } from './types.js';

export interface CatchUpOptions {
  /** How long a hole may wait for an out-of-order event before the snapshot is fetched. Default 300 ms. */
  gapGracePeriodMs?: number;
  /** Delay between repeated snapshot fetches: flat for the first four tries, then doubling. Default 250 ms. */
  resnapshotBackoffMs?: number;
  /** Largest delay between repeated snapshot fetches. Default 5000 ms. */
  maxResnapshotBackoffMs?: number;
  /** Check the snapshot after this long without an event while the message is not final. Default 15000 ms; Infinity turns it off. */
  idleResnapshotAfterMs?: number;
  /** Messages fetched per snapshot (the newest). Default 10. */
  snapshotMessageLimit?: number;
  /** Events kept for messages not yet followed (follow mode). Default 1000. */
  maxBufferedEventsPerMessage?: number;
}

const defaults: Required<CatchUpOptions> = {
  gapGracePeriodMs: 300,
  resnapshotBackoffMs: 250,
  maxResnapshotBackoffMs: 5000,
  idleResnapshotAfterMs: 15000,
  snapshotMessageLimit: 10,
  maxBufferedEventsPerMessage: 1000,
};

/** Reads snapshots: GraphQL getConversation. */
export interface SnapshotSource {
  getConversation(conversationId: string, messageLimit?: number | null): Promise<Conversation | null>;
}

/** What a transport reports to the follower. */
export interface ChannelHandlers {
  /** One event: the JSON string or the parsed object. */
  event(data: unknown): void;
  /** The transport reconnected: events in between may be lost. */
  reconnected(): void;
  /** The transport reported a delivery error (broadcast_error). */
  eventsLost(): void;
  /** The subscription ended with an error. */
  failed(error: unknown): void;
}

export interface ChannelSubscription {
  close(): void;
}

/** Opens a subscription to a channel; resolves once the server acknowledged it (events flow from then on). */
export interface ChannelSubscriber {
  subscribe(channel: string, handlers: ChannelHandlers): Promise<ChannelSubscription>;
}

/** Time source; tests pass a manual clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface FollowRequest {
  conversationId: string;
  /** The assistant message to follow; absent: the active one, else the newest assistant message. */
  messageId?: string;
  /** Keep following: the next answer in the conversation (sent from anywhere) is followed too. */
  followNewMessages?: boolean;
  /**
   * The user message `messageId` answers, when the caller knows it (it just sent it). The answer can show before the
   * snapshot is read; the prompt then comes from here (else from that snapshot, later: a `promptFound` update).
   */
  prompt?: string;
}

interface Found {
  conversation: Conversation;
  message: Message | undefined;
}

type Input =
  | { type: 'event'; data: unknown }
  | { type: 'reconnected' }
  | { type: 'eventsLost' }
  | { type: 'failed'; error: unknown }
  | { type: 'wake' }
  /** The first snapshot, read in the background, arrived (or failed). */
  | { type: 'joined'; found: Found | null; error: unknown };

const FLAT_ATTEMPTS = 4;

export class FollowerError extends Error {
  constructor(
    message: string,
    readonly code: 'ConversationNotFound' | 'MessageNotFound' | 'SubscriptionLost',
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'FollowerError';
  }
}

/**
 * Follows one conversation. Feed it through {@link handlers} (or let {@link follow} subscribe for you);
 * it calls `onUpdate` with every {@link ChatUpdate} in order. {@link done} settles when the followed message
 * is final (not in follow mode), when {@link stop} is called, or with an error.
 */
export class ConversationFollower {
  private readonly options: Required<CatchUpOptions>;
  private readonly inputs: Input[] = [];
  private readonly finishedIds = new Set<string>();
  private readonly others = new Map<string, StreamEvent[]>();
  private current: MessageTimeline | null = null;
  private out: ChatUpdate[] = [];
  private requested: ResyncReason | null = null;
  private attempts = 0;
  private nextFetchAllowedAt = 0;
  private holeSince: number | null = null;
  private lastEventAt = 0;
  private timer: unknown = null;
  private running = false;
  private joined = false;
  private ended = false;
  /** The first snapshot is being read in the background. */
  private joining = false;
  /** While joining: the requested message's events, buffered in its timeline until a start is known. */
  private early: MessageTimeline | null = null;
  /** While joining: every other input, handled in order once following started. */
  private deferred: Input[] = [];
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  /** Settles when following ends. */
  readonly done: Promise<void>;
  /** Snapshot fetches so far (diagnostics, tests). */
  fetches = 0;

  /** Pass these to the transport. Inputs before {@link start} are buffered. */
  readonly handlers: ChannelHandlers = {
    event: (data) => this.push({ type: 'event', data }),
    reconnected: () => this.push({ type: 'reconnected' }),
    eventsLost: () => this.push({ type: 'eventsLost' }),
    failed: (error) => this.push({ type: 'failed', error }),
  };

  constructor(
    private readonly request: FollowRequest,
    private readonly snapshots: SnapshotSource,
    private readonly onUpdate: (update: ChatUpdate) => void,
    options: CatchUpOptions = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.options = { ...defaults, ...options };
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => undefined);
  }

  /** The message currently followed (its timeline), for diagnostics. */
  get timeline(): MessageTimeline | null {
    return this.current;
  }

  /** Fetches the first snapshot and starts applying events. Call after the subscription is acknowledged. */
  start(): Promise<void> {
    if (this.running || this.joined) return this.done;
    this.lastEventAt = this.clock.now();
    const messageId = this.request.messageId;
    if (messageId) {
      // The message is known: read its snapshot in the background and handle inputs meanwhile.
      this.joining = true;
      this.early = new MessageTimeline(this.request.conversationId, messageId);
      this.find(messageId).then(
        (found) => this.push({ type: 'joined', found, error: null }),
        (error: unknown) => this.push({ type: 'joined', found: null, error }),
      );
      this.joined = true;
      this.running = true;
      void this.run(async () => undefined);
      return this.done;
    }
    this.running = true;
    void this.run(async () => {
      await this.join();
      this.joined = true;
    });
    return this.done;
  }

  /** Stops following (the subscription is the caller's to close). */
  stop(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.settle.resolve();
  }

  private push(input: Input): void {
    if (this.ended) return;
    this.inputs.push(input);
    if (this.joined && !this.running) {
      this.running = true;
      void this.run(async () => undefined);
    }
  }

  private async run(first: () => Promise<void>): Promise<void> {
    try {
      await first();
      this.flush();
      while (!this.ended) {
        await this.handleNeeds();
        this.flush();
        if (this.isDone()) break;
        const input = this.inputs.shift();
        if (!input) break;
        await this.handle(input);
        this.flush();
        if (this.isDone()) break;
      }
      if (this.isDone()) {
        this.stop();
        return;
      }
      this.armTimer();
    } catch (error) {
      this.flush();
      this.ended = true;
      if (this.timer !== null) this.clock.clearTimeout(this.timer);
      this.settle.reject(error);
    } finally {
      this.running = false;
    }
    if (!this.ended && this.inputs.length > 0) {
      this.running = true;
      void this.run(async () => undefined);
    }
  }

  private isDone(): boolean {
    // Following one message: done when it is final (even if its first snapshot is still being read), or there is none.
    return this.ended || (!this.request.followNewMessages && (this.current === null ? !this.joining : this.current.finished));
  }

  private flush(): void {
    const batch = this.out;
    this.out = [];
    for (const update of batch) this.onUpdate(update);
  }

  private async join(): Promise<void> {
    this.onJoined(await this.find(this.request.messageId ?? null), null);
  }

  private onJoined({ conversation, message }: Found, buffered: MessageTimeline | null): void {
    if (!message) {
      if (this.request.messageId) throw new FollowerError(`Message ${this.request.messageId} was not found in conversation ${this.request.conversationId}.`, 'MessageNotFound');
      return; // no answer yet: in follow mode, wait for one
    }
    this.startFollowing(conversation, message, 'Joined', buffered);
  }

  /** The background snapshot arrived: start from it, or (already started from the empty text) apply it as any later snapshot. */
  private async onBackgroundJoin(input: { found: Found | null; error: unknown }): Promise<void> {
    this.joining = false;
    if (!input.found) throw input.error; // a failed first read fails the follow, as before
    if (!this.current) {
      const early = this.early;
      this.early = null;
      this.onJoined(input.found, early);
      await this.replayDeferred();
      return;
    }
    const current = this.current;
    const { conversation, message } = input.found;
    if (!message || message.messageId !== current.messageId) return; // its events proved it exists; later re-fetches still report a vanished one
    const prompt = (this.request.prompt ?? null) === null ? promptOf(conversation, message) : null;
    if (prompt !== null) this.out.push({ kind: 'promptFound', messageId: current.messageId, prompt });
    current.applySnapshot(message, 'Joined', this.out);
    if (current.finished) this.afterProgress();
    this.trackHole();
  }

  /**
   * An input while the first snapshot is read in the background: the requested message's events are buffered in
   * its timeline, and its turn.started of turn 1 at offset 0 starts following at once; every other input waits
   * until following starts.
   */
  private async onInputWhileJoining(input: Input): Promise<void> {
    const early = this.early!;
    const e = input.type === 'event' ? parseStreamEvent(input.data) : null;
    if (!e || e.conversationId !== this.request.conversationId || e.messageId !== early.messageId) {
      if (input.type !== 'wake') this.deferred.push(input);
      return;
    }
    early.offer(e, this.out);
    if (!early.canStartFromEmpty) return;
    this.early = null;
    this.current = early;
    this.out.push({ kind: 'following', conversationId: this.request.conversationId, messageId: early.messageId, turn: 1, status: 'QUEUED', prompt: this.request.prompt ?? null });
    early.startFromEmpty(this.out);
    this.afterProgress();
    this.lastEventAt = this.clock.now();
    await this.replayDeferred();
  }

  private async replayDeferred(): Promise<void> {
    const deferred = this.deferred;
    this.deferred = [];
    for (const input of deferred) await this.handleCore(input);
  }

  private async fetch(limit: number | null): Promise<Conversation> {
    this.fetches++;
    const conversation = await this.snapshots.getConversation(this.request.conversationId, limit);
    if (!conversation) throw new FollowerError(`Conversation ${this.request.conversationId} was not found.`, 'ConversationNotFound');
    return conversation;
  }

  private async find(messageId: string | null): Promise<Found> {
    let conversation = await this.fetch(this.options.snapshotMessageLimit);
    const wanted = messageId ?? conversation.activeMessageId ?? null;
    if (wanted === null) {
      const assistants = conversation.messages.filter((m) => m.role === 'ASSISTANT');
      return { conversation, message: assistants[assistants.length - 1] };
    }
    let found = conversation.messages.find((m) => m.messageId === wanted);
    if (!found && conversation.messages.length >= this.options.snapshotMessageLimit) {
      conversation = await this.fetch(null);
      found = conversation.messages.find((m) => m.messageId === wanted);
    }
    return { conversation, message: found };
  }

  /** `buffered`: the timeline that buffered the message's events while the snapshot was read, if any. */
  private startFollowing(conversation: Conversation, message: Message, reason: ResyncReason, buffered: MessageTimeline | null = null): void {
    const prompt = promptOf(conversation, message) ?? (message.messageId === this.request.messageId ? (this.request.prompt ?? null) : null);
    const timeline = buffered?.messageId === message.messageId ? buffered : new MessageTimeline(this.request.conversationId, message.messageId);
    this.current = timeline;
    this.out.push({ kind: 'following', conversationId: this.request.conversationId, messageId: message.messageId, turn: message.turn, status: message.status, prompt });
    const early = this.others.get(message.messageId);
    if (early) {
      this.others.delete(message.messageId);
      for (const e of early) timeline.offer(e, this.out); // buffered only: no snapshot yet
    }
    timeline.applySnapshot(message, reason, this.out);
    this.afterProgress();
    this.lastEventAt = this.clock.now();
  }

  private async handle(input: Input): Promise<void> {
    if (input.type === 'joined') await this.onBackgroundJoin(input);
    else if (this.joining && !this.current) await this.onInputWhileJoining(input);
    else await this.handleCore(input);
  }

  private async handleCore(input: Input): Promise<void> {
    switch (input.type) {
      case 'event':
        await this.onEvent(input.data);
        break;
      case 'reconnected':
        this.out.push({ kind: 'connectionRestored', messageId: this.current?.messageId ?? '' });
        this.requested = 'Reconnected';
        this.nextFetchAllowedAt = this.clock.now(); // a reconnect always checks at once
        break;
      case 'eventsLost':
        this.requested ??= 'Gap';
        break;
      case 'failed':
        throw new FollowerError(`The subscription to /chat/${this.request.conversationId} failed.`, 'SubscriptionLost', input.error);
      default:
        break; // a timer woke us: handleNeeds re-evaluates the deadlines
    }
  }

  private async onEvent(data: unknown): Promise<void> {
    const e = parseStreamEvent(data);
    if (!e || e.conversationId !== this.request.conversationId) return;
    const current = this.current;
    if (current && e.messageId === current.messageId) {
      this.lastEventAt = this.clock.now();
      const before = `${current.turn}:${current.seq}:${current.finished}`;
      current.offer(e, this.out);
      if (`${current.turn}:${current.seq}:${current.finished}` !== before) this.afterProgress();
      return;
    }
    if (this.finishedIds.has(e.messageId) || !this.request.followNewMessages) return;
    let list = this.others.get(e.messageId);
    if (!list) this.others.set(e.messageId, (list = []));
    if (list.length < this.options.maxBufferedEventsPerMessage) list.push(e);
    if (!current || current.finished) await this.switchMessage();
    else this.requested ??= 'NewMessage'; // a new answer while ours is not final: our terminal event was probably lost
  }

  private async switchMessage(): Promise<void> {
    const conversation = await this.fetch(null);
    const candidates = conversation.messages.filter(
      (m) => m.role === 'ASSISTANT' && !this.finishedIds.has(m.messageId) && (m.messageId === conversation.activeMessageId || this.others.has(m.messageId)),
    );
    const next = candidates[candidates.length - 1];
    if (!next) {
      this.others.clear();
      return;
    }
    this.startFollowing(conversation, next, 'NewMessage');
  }

  private async handleNeeds(): Promise<void> {
    const current = this.current;
    if (!current || current.finished) {
      if (this.requested !== null && this.request.followNewMessages) {
        this.requested = null;
        await this.switchMessage();
      }
      return;
    }
    this.trackHole();
    const reason = this.need();
    const now = this.clock.now();
    if (reason === null || now < this.nextFetchAllowedAt) return;
    this.requested = null;
    this.attempts++;
    this.nextFetchAllowedAt = now + this.backoff(this.attempts);
    this.lastEventAt = now;
    let found: Found;
    try {
      found = await this.find(current.messageId);
    } catch (error) {
      if (error instanceof FollowerError) throw error;
      this.requested ??= reason; // transient (network, throttling): try again after the backoff
      return;
    }
    if (!found.message) throw new FollowerError(`Message ${current.messageId} was not found in conversation ${this.request.conversationId}.`, 'MessageNotFound');
    current.applySnapshot(found.message, reason, this.out);
    if (current.finished) this.afterProgress();
    this.trackHole();
    const active = found.conversation.activeMessageId;
    if (current.finished && this.request.followNewMessages && (this.others.size > 0 || (active && !this.finishedIds.has(active)))) await this.switchMessage();
  }

  private need(): ResyncReason | null {
    const current = this.current!;
    if (current.needsSnapshot !== null) return current.needsSnapshot;
    if (this.requested !== null) return this.requested;
    const now = this.clock.now();
    if (current.holeIsDefinite() || (this.holeSince !== null && now - this.holeSince >= this.options.gapGracePeriodMs)) return 'Gap';
    if (Number.isFinite(this.options.idleResnapshotAfterMs) && now - this.lastEventAt >= this.options.idleResnapshotAfterMs) return 'Idle';
    return null;
  }

  private trackHole(): void {
    if (this.current?.hole) this.holeSince ??= this.clock.now();
    else this.holeSince = null;
  }

  private afterProgress(): void {
    if (this.current?.finished) this.finishedIds.add(this.current.messageId);
    this.attempts = 0;
    this.nextFetchAllowedAt = this.clock.now();
  }

  private backoff(attempts: number): number {
    const factor = attempts <= FLAT_ATTEMPTS ? 1 : 2 ** Math.min(attempts - FLAT_ATTEMPTS, 20);
    return Math.min(this.options.resnapshotBackoffMs * factor, this.options.maxResnapshotBackoffMs);
  }

  /** One timer for the earliest deadline: hole grace, backoff end, idle check. */
  private armTimer(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    const current = this.current;
    if (!current || current.finished || this.ended) return;
    let due: number | null = null;
    const consider = (at: number) => (due = due === null || at < due ? at : due);
    if (this.holeSince !== null) consider(Math.max(this.holeSince + this.options.gapGracePeriodMs, this.nextFetchAllowedAt));
    if (current.needsSnapshot !== null || this.requested !== null || current.holeIsDefinite()) consider(this.nextFetchAllowedAt);
    if (Number.isFinite(this.options.idleResnapshotAfterMs)) consider(Math.max(this.lastEventAt + this.options.idleResnapshotAfterMs, this.nextFetchAllowedAt));
    if (due === null) return;
    const delay = Math.max((due as number) - this.clock.now(), 0);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.push({ type: 'wake' });
    }, delay);
  }
}

/** The user message just before `message` in the snapshot, if any. */
function promptOf(conversation: Conversation, message: Message): string | null {
  const index = conversation.messages.findIndex((m) => m.messageId === message.messageId);
  const previous = index > 0 ? conversation.messages[index - 1] : undefined;
  return previous && previous.role === 'USER' ? previous.text : null;
}

/**
 * Subscribes to the conversation's channel, waits for the acknowledgement, then follows (catch-up).
 * Returns the follower and a `close` that stops following and unsubscribes.
 */
export async function follow(
  request: FollowRequest,
  deps: { snapshots: SnapshotSource; subscriber: ChannelSubscriber; options?: CatchUpOptions; clock?: Clock },
  onUpdate: (update: ChatUpdate) => void,
): Promise<{ follower: ConversationFollower; close: () => void }> {
  const follower = new ConversationFollower(request, deps.snapshots, onUpdate, deps.options, deps.clock);
  const subscription = await deps.subscriber.subscribe(`/chat/${request.conversationId}`, follower.handlers);
  const close = () => {
    follower.stop();
    subscription.close();
  };
  void follower.start();
  return { follower, close };
}
