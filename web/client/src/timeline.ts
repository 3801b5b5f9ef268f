// The pure catch-up state of one assistant message (docs/catch-up.md): a port of the .NET
// Client/Library/CatchUp/MessageTimeline.cs with the same rules and the same updates. No I/O, no clock:
// the driver (follower.ts) feeds snapshots and events and reads needsSnapshot / hole to decide what to do.
import { textChecksum } from './checksum.js';
import { MAX_EVENTS_PER_PUBLISH, type StreamEvent, type TokenUsage } from './events.js';
import { isFinalStatus, type Message } from './types.js';

export type ResyncReason = 'Joined' | 'Gap' | 'Reconnected' | 'ChecksumMismatch' | 'Idle' | 'TurnTakeover' | 'NewMessage';

/**
 * What a follower sees, in order. The text is maintained with two operations only: `textAppended`
 * (append) and `textReset` (replace all).
 */
export type ChatUpdate =
  | { kind: 'following'; conversationId: string; messageId: string; turn: number; status: string; prompt: string | null }
  /** The prompt `following` could not carry: the answer started before the snapshot (and the caller did not pass it). */
  | { kind: 'promptFound'; messageId: string; prompt: string }
  | { kind: 'textAppended'; messageId: string; text: string; offset: number }
  | { kind: 'textReset'; messageId: string; text: string; reason: ResyncReason }
  | { kind: 'answerStarted'; messageId: string; turn: number; modelId?: string; requestedAtMs?: number }
  | { kind: 'turnRestarted'; messageId: string; turn: number; offset: number }
  | { kind: 'toolStarted'; messageId: string; toolUseId: string; name: string; summary?: string }
  | { kind: 'toolFinished'; messageId: string; toolUseId: string; name: string; status: string; durationMs?: number; summary?: string }
  | { kind: 'resynced'; messageId: string; reason: ResyncReason; status: string; length: number }
  | { kind: 'connectionRestored'; messageId: string }
  | MessageFinished;

export type MessageFinished =
  | { kind: 'finished'; messageId: string; status: 'COMPLETED'; text: string; stopReason?: string | null; usage?: TokenUsage | null }
  | {
      kind: 'finished';
      messageId: string;
      status: 'FAILED' | 'INTERRUPTED';
      text: string;
      errorCode: string;
      errorMessage: string;
      retryable: boolean;
    }
  | { kind: 'finished'; messageId: string; status: 'CANCELLED'; text: string };

type Key = readonly [turn: number, seq: number];
const cmp = (a: Key, b: Key) => (a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1]);
const keyString = (turn: number, seq: number) => `${turn}:${seq}`;

export class MessageTimeline {
  readonly conversationId: string;
  readonly messageId: string;
  turn = 0;
  /** Seq of the last applied event of `turn`; -1 when none. */
  seq = -1;
  status = 'QUEUED';
  /** The state has a starting point: a snapshot was applied, or startFromEmpty proved the empty start. */
  hasSnapshot = false;
  finished = false;
  /** Set when the text is known to disagree with the server: the next snapshot is taken even if not newer. */
  textSuspect = false;
  /** Why the driver must fetch a snapshot now; null when nothing forces it. */
  needsSnapshot: ResyncReason | null = null;
  duplicatesIgnored = 0;
  unknownIgnored = 0;

  private _text = '';
  private readonly pending = new Map<string, StreamEvent>();
  private readonly maxEventsPerPublish: number;
  private readonly maxPending: number;

  constructor(conversationId: string, messageId: string, maxEventsPerPublish = MAX_EVENTS_PER_PUBLISH, maxPending = 10_000) {
    this.conversationId = conversationId;
    this.messageId = messageId;
    this.maxEventsPerPublish = maxEventsPerPublish;
    this.maxPending = maxPending;
  }

  get text(): string {
    return this._text;
  }

  get length(): number {
    return this._text.length;
  }

  /** Events wait for a missing one (which may still arrive out of order). */
  get hole(): boolean {
    return !this.finished && this.hasSnapshot && this.pending.size > 0;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Offers one event of this message. Before the first snapshot it is only buffered. */
  offer(e: StreamEvent, output: ChatUpdate[]): void {
    if (this.finished) {
      this.duplicatesIgnored++;
      return;
    }
    const k = keyString(e.turn, e.seq);
    if (e.seq < 0 || (this.hasSnapshot && cmp([e.turn, e.seq], [this.turn, this.seq]) <= 0) || this.pending.has(k)) {
      this.duplicatesIgnored++;
      return;
    }
    if (this.pending.size >= this.maxPending) {
      this.pending.clear();
      this.needsSnapshot ??= 'Gap';
      return;
    }
    this.pending.set(k, e);
    if (this.hasSnapshot) this.drain(output);
  }

  /**
   * True when the buffered events prove that the subscription predates the message, so no snapshot is needed to
   * start: its turn.started of turn 1 at seq 0 with offset 0 arrived. Nothing of the message can precede it, and
   * every later event either arrives or leaves a hole that the usual rules detect.
   */
  get canStartFromEmpty(): boolean {
    if (this.hasSnapshot || this.finished) return false;
    const first = this.pending.get(keyString(1, 0));
    return first !== undefined && !('unknown' in first) && first.type === 'turn.started' && first.offset === 0;
  }

  /**
   * Starts from the state a snapshot of the not yet started message would give (empty text, turn 1, seq -1) when
   * canStartFromEmpty, and applies the buffered events. A later snapshot is an ordinary one (ignored when behind,
   * taken when ahead or final). Returns false (and changes nothing) otherwise.
   */
  startFromEmpty(output: ChatUpdate[]): boolean {
    if (!this.canStartFromEmpty) return false;
    this.turn = 1;
    this.seq = -1;
    this.status = 'QUEUED';
    this.hasSnapshot = true;
    this.drain(output);
    return true;
  }

  /**
   * Applies a snapshot of this message. Taken when it is the first, final, forced (textSuspect) or ahead
   * of the applied position; a snapshot behind what live events already delivered is ignored (false).
   */
  applySnapshot(message: Message, reason: ResyncReason, output: ChatUpdate[]): boolean {
    if (message.messageId !== this.messageId) {
      throw new Error(`Snapshot of message ${message.messageId} offered to the timeline of ${this.messageId}.`);
    }
    if (this.finished) return false;
    const final = isFinalStatus(message.status);
    const ahead = cmp([message.turn, message.seq], [this.turn, this.seq]) > 0;
    if (this.hasSnapshot && !final && !this.textSuspect && !ahead) {
      this.needsSnapshot = null;
      return false;
    }
    const before = this.hasSnapshot ? this._text : '';
    this._text = message.text;
    this.turn = message.turn;
    this.seq = message.seq;
    this.status = message.status;
    this.textSuspect = false;
    this.needsSnapshot = null;
    const first = !this.hasSnapshot;
    this.hasSnapshot = true;
    this.emitTextChange(before, message.text, reason, output);
    if (!first) output.push({ kind: 'resynced', messageId: this.messageId, reason, status: message.status, length: message.text.length });
    if (final) {
      this.finish(output, this.fromSnapshot(message));
      return true;
    }
    this.drain(output);
    return true;
  }

  /** True when a hole cannot be an out-of-order delivery inside one publish (at most 5 consecutive events). */
  holeIsDefinite(): boolean {
    if (!this.hole) return false;
    for (const e of this.pending.values()) {
      const span = e.turn === this.turn ? e.seq - this.seq : e.seq + 1;
      if (span > this.maxEventsPerPublish) return true;
    }
    return false;
  }

  private sortedPending(): StreamEvent[] {
    return [...this.pending.values()].sort((a, b) => cmp([a.turn, a.seq], [b.turn, b.seq]));
  }

  private drain(output: ChatUpdate[]): void {
    while (!this.finished && this.needsSnapshot === null && this.pending.size > 0) {
      const sorted = this.sortedPending();
      // A turn.started of a higher turn supersedes everything of lower turns, even a hole.
      let takeover: StreamEvent | null = null;
      for (const e of sorted) if (e.turn > this.turn && e.seq === 0 && e.type === 'turn.started') takeover = e;
      if (takeover) {
        for (const e of sorted) if (e.turn < takeover.turn) this.pending.delete(keyString(e.turn, e.seq));
      }
      const next = this.sortedPending()[0];
      const nextKey = keyString(next.turn, next.seq);
      if (cmp([next.turn, next.seq], [this.turn, this.seq]) <= 0) {
        this.pending.delete(nextKey);
        this.duplicatesIgnored++;
        continue;
      }
      const inOrder = next.turn === this.turn && next.seq === this.seq + 1;
      const newTurn = next.turn > this.turn && next.seq === 0 && next.type === 'turn.started';
      if (!inOrder && !newTurn) return; // hole: wait for the missing event, or for the driver's snapshot
      if (!this.apply(next, output)) return; // stays pending; needsSnapshot says why
      this.pending.delete(nextKey);
    }
  }

  private apply(e: StreamEvent, output: ChatUpdate[]): boolean {
    const id = this.messageId;
    if ('unknown' in e) {
      // An unknown type still occupies its seq: skip it, keep the sequence.
      this.unknownIgnored++;
    } else {
      switch (e.type) {
        case 'turn.started': {
          if (e.offset > this._text.length) {
            this.needsSnapshot = 'Gap';
            return false;
          }
          const restarted = e.turn > this.turn && this.turn >= 1;
          if (e.offset < this._text.length) {
            this._text = this._text.slice(0, e.offset);
            output.push({ kind: 'textReset', messageId: id, text: this._text, reason: 'TurnTakeover' });
          }
          output.push(
            restarted
              ? { kind: 'turnRestarted', messageId: id, turn: e.turn, offset: e.offset }
              : { kind: 'answerStarted', messageId: id, turn: e.turn, ...(e.modelId !== undefined ? { modelId: e.modelId } : {}), ...(e.requestedAtMs !== undefined ? { requestedAtMs: e.requestedAtMs } : {}) },
          );
          break;
        }
        case 'text.delta': {
          if (e.offset > this._text.length) {
            this.needsSnapshot = 'Gap';
            return false;
          }
          const covered = this._text.length - e.offset;
          if (covered < e.text.length) {
            const piece = covered === 0 ? e.text : e.text.slice(covered);
            const at = this._text.length;
            this._text += piece;
            output.push({ kind: 'textAppended', messageId: id, text: piece, offset: at });
          }
          break;
        }
        case 'tool.started':
          output.push({ kind: 'toolStarted', messageId: id, toolUseId: e.toolUseId, name: e.name, ...(e.summary !== undefined ? { summary: e.summary } : {}) });
          break;
        case 'tool.finished':
          output.push({
            kind: 'toolFinished',
            messageId: id,
            toolUseId: e.toolUseId,
            name: e.name,
            status: e.status,
            ...(e.durationMs !== undefined ? { durationMs: e.durationMs } : {}),
            ...(e.summary !== undefined ? { summary: e.summary } : {}),
          });
          break;
        case 'turn.completed':
        case 'turn.failed':
        case 'turn.cancelled': {
          const text = this._text;
          if (e.length !== text.length || e.checksum.toLowerCase() !== textChecksum(text)) {
            this.textSuspect = true;
            this.needsSnapshot = 'ChecksumMismatch';
            return false;
          }
          this.turn = e.turn;
          this.seq = e.seq;
          this.finish(
            output,
            e.type === 'turn.completed'
              ? { kind: 'finished', messageId: id, status: 'COMPLETED', text, stopReason: e.stopReason, usage: e.usage ?? null }
              : e.type === 'turn.failed'
                ? { kind: 'finished', messageId: id, status: e.status, text, errorCode: e.errorCode, errorMessage: e.message, retryable: e.retryable }
                : { kind: 'finished', messageId: id, status: 'CANCELLED', text },
          );
          return true;
        }
      }
    }
    this.turn = e.turn;
    this.seq = e.seq;
    this.status = 'STREAMING';
    return true;
  }

  private finish(output: ChatUpdate[], finished: MessageFinished): void {
    this.finished = true;
    this.status = finished.status;
    this.needsSnapshot = null;
    this.pending.clear();
    output.push(finished);
  }

  private fromSnapshot(m: Message): MessageFinished {
    const id = this.messageId;
    if (m.status === 'COMPLETED') return { kind: 'finished', messageId: id, status: 'COMPLETED', text: m.text, stopReason: m.stopReason ?? null, usage: m.usage ?? null };
    if (m.status === 'CANCELLED') return { kind: 'finished', messageId: id, status: 'CANCELLED', text: m.text };
    return {
      kind: 'finished',
      messageId: id,
      status: m.status === 'INTERRUPTED' ? 'INTERRUPTED' : 'FAILED',
      text: m.text,
      errorCode: m.error?.code ?? 'Unknown',
      errorMessage: m.error?.message ?? `The answer ended ${m.status}.`,
      retryable: m.error?.retryable ?? false,
    };
  }

  private emitTextChange(before: string, after: string, reason: ResyncReason, output: ChatUpdate[]): void {
    if (after.startsWith(before)) {
      if (after.length > before.length) output.push({ kind: 'textAppended', messageId: this.messageId, text: after.slice(before.length), offset: before.length });
    } else {
      output.push({ kind: 'textReset', messageId: this.messageId, text: after, reason });
    }
  }
}
