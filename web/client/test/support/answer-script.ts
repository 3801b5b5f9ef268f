// Port of tests/Client.Tests/Support/FakeChatServer.cs (AnswerScript): one answer as the worker publishes
// it — events with gap-free seqs — and a checkpoint that says how much the stored snapshot reflects.
import { textChecksum } from '../../src/checksum.js';
import type { StreamEvent, TextDeltaEvent, TurnStartedEvent } from '../../src/events.js';
import type { Message } from '../../src/types.js';

export const CONVERSATION_ID = 'conv-1';
export const MESSAGE_ID = 'msg-a1';
export const USER_MESSAGE_ID = 'msg-u1';
export const PROMPT = 'Tell me about streams';
export const USAGE = { inputTokens: 12, outputTokens: 34, totalTokens: 46 };
const T0 = '2026-01-01T00:00:00Z';

export class AnswerScript {
  readonly events: StreamEvent[] = [];
  /** Index into events of the last event the snapshot reflects; -1: nothing (QUEUED). */
  checkpointIndex = -1;
  storedTextOverride: string | null = null;

  constructor(
    readonly messageId = MESSAGE_ID,
    readonly userMessageId = USER_MESSAGE_ID,
    readonly prompt = PROMPT,
  ) {}

  textThrough(index: number): string {
    let text = '';
    for (let i = 0; i <= index && i < this.events.length; i++) {
      const e = this.events[i];
      if (e.type === 'turn.started') text = text.slice(0, Math.min(text.length, (e as TurnStartedEvent).offset));
      else if (e.type === 'text.delta') {
        const d = e as TextDeltaEvent;
        text = text.slice(0, d.offset) + d.text;
      }
    }
    return text;
  }

  get finalText(): string {
    return this.textThrough(this.events.length - 1);
  }

  private get currentTurn(): number {
    return this.events.length === 0 ? 1 : this.events[this.events.length - 1].turn;
  }

  private get nextSeq(): number {
    return this.events.length === 0 ? 0 : this.events[this.events.length - 1].seq + 1;
  }

  private base(type: string, turn: number, seq: number) {
    return { v: 1, type, conversationId: CONVERSATION_ID, messageId: this.messageId, turn, seq };
  }

  startTurn(turn: number, offset: number): void {
    this.events.push({ ...this.base('turn.started', turn, 0), type: 'turn.started', offset, modelId: 'emulated' });
  }

  delta(text: string): void {
    this.events.push({ ...this.base('text.delta', this.currentTurn, this.nextSeq), type: 'text.delta', offset: this.textThrough(this.events.length - 1).length, text });
  }

  tool(name: string): void {
    const id = `tool-${this.nextSeq}`;
    this.events.push({ ...this.base('tool.started', this.currentTurn, this.nextSeq), type: 'tool.started', toolUseId: id, name, summary: `Running ${name}` });
    this.events.push({ ...this.base('tool.finished', this.currentTurn, this.nextSeq), type: 'tool.finished', toolUseId: id, name, status: 'success', durationMs: 5 });
  }

  end(terminal: 'turn.completed' | 'turn.failed' | 'turn.cancelled'): void {
    const text = this.textThrough(this.events.length - 1);
    const b = this.base(terminal, this.currentTurn, this.nextSeq);
    const sum = { length: text.length, checksum: textChecksum(text) };
    if (terminal === 'turn.completed') this.events.push({ ...b, type: 'turn.completed', stopReason: 'end_turn', usage: USAGE, ...sum });
    else if (terminal === 'turn.failed')
      this.events.push({ ...b, type: 'turn.failed', status: 'INTERRUPTED', errorCode: 'ModelStreamError', message: 'The model stream failed.', retryable: true, ...sum });
    else this.events.push({ ...b, type: 'turn.cancelled', ...sum });
  }

  snapshot(): Message {
    const index = Math.min(this.checkpointIndex, this.events.length - 1);
    const text = this.storedTextOverride ?? this.textThrough(index);
    const last = index >= 0 ? this.events[index] : null;
    const status =
      last === null ? 'QUEUED' : last.type === 'turn.completed' ? 'COMPLETED' : last.type === 'turn.failed' ? 'INTERRUPTED' : last.type === 'turn.cancelled' ? 'CANCELLED' : 'STREAMING';
    const final = status !== 'QUEUED' && status !== 'STREAMING';
    return {
      messageId: this.messageId,
      role: 'ASSISTANT',
      text,
      status,
      turn: last?.turn ?? 1,
      seq: last?.seq ?? -1,
      offset: text.length,
      createdAt: T0,
      updatedAt: T0,
      stopReason: last?.type === 'turn.completed' ? 'end_turn' : null,
      usage: last?.type === 'turn.completed' ? USAGE : null,
      error: last?.type === 'turn.failed' ? { code: 'ModelStreamError', message: 'The model stream failed.', retryable: true } : null,
      checksum: final ? textChecksum(text) : null,
    };
  }

  checkpointAll(): void {
    this.checkpointIndex = this.events.length - 1;
  }
}
