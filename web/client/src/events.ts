// The stream event contract (version v: 1) of docs/catch-up.md and the golden files in
// tests/Contracts.Tests/Resources/golden/. Clients ignore unknown types and unknown fields.

export const EVENT_VERSION = 1;
/** A publish carries at most this many events (each delivered as its own message). */
export const MAX_EVENTS_PER_PUBLISH = 5;

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

interface EventBase {
  v: number;
  conversationId: string;
  /** The assistant message. */
  messageId: string;
  /** Attempt number, from 1. */
  turn: number;
  /** Per turn: 0, 1, 2, … without gaps; turn.started is 0. */
  seq: number;
}

export interface TurnStartedEvent extends EventBase {
  type: 'turn.started';
  offset: number;
  modelId?: string;
  requestedAtMs?: number;
}
export interface TextDeltaEvent extends EventBase {
  type: 'text.delta';
  offset: number;
  text: string;
}
export interface ToolStartedEvent extends EventBase {
  type: 'tool.started';
  toolUseId: string;
  name: string;
  summary?: string;
}
export interface ToolFinishedEvent extends EventBase {
  type: 'tool.finished';
  toolUseId: string;
  name: string;
  status: string;
  durationMs?: number;
  summary?: string;
}
export interface TurnCompletedEvent extends EventBase {
  type: 'turn.completed';
  stopReason: string;
  usage?: TokenUsage;
  length: number;
  checksum: string;
}
export interface TurnFailedEvent extends EventBase {
  type: 'turn.failed';
  status: 'FAILED' | 'INTERRUPTED';
  errorCode: string;
  message: string;
  retryable: boolean;
  length: number;
  checksum: string;
}
export interface TurnCancelledEvent extends EventBase {
  type: 'turn.cancelled';
  length: number;
  checksum: string;
}
/** An event of a type this client does not know: it still occupies its seq. */
export interface UnknownEvent extends EventBase {
  type: string;
  unknown: true;
}

export type KnownStreamEvent =
  | TurnStartedEvent
  | TextDeltaEvent
  | ToolStartedEvent
  | ToolFinishedEvent
  | TurnCompletedEvent
  | TurnFailedEvent
  | TurnCancelledEvent;
export type StreamEvent = KnownStreamEvent | UnknownEvent;
export type TerminalEvent = TurnCompletedEvent | TurnFailedEvent | TurnCancelledEvent;

export const STREAM_EVENT_TYPES = [
  'turn.started',
  'text.delta',
  'tool.started',
  'tool.finished',
  'turn.completed',
  'turn.failed',
  'turn.cancelled',
] as const;

export function isTerminal(e: StreamEvent): e is TerminalEvent {
  return e.type === 'turn.completed' || e.type === 'turn.failed' || e.type === 'turn.cancelled';
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const optStr = (x: unknown) => x === undefined || x === null || typeof x === 'string';
const optInt = (x: unknown) => x === undefined || x === null || isInt(x);

/**
 * Parses one event (a JSON string or an already parsed object). Returns null when it is not a stream
 * event at all (malformed, or a known type missing a required field). Unknown types are returned as
 * {@link UnknownEvent}; unknown fields are dropped.
 */
export function parseStreamEvent(input: unknown): StreamEvent | null {
  let o: unknown = input;
  if (typeof input === 'string') {
    try {
      o = JSON.parse(input);
    } catch {
      return null;
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
  const r = o as Record<string, unknown>;
  if (!isStr(r.type) || !isStr(r.conversationId) || !isStr(r.messageId) || !isInt(r.turn) || !isInt(r.seq)) return null;
  const base: EventBase = { v: isInt(r.v) ? r.v : EVENT_VERSION, conversationId: r.conversationId, messageId: r.messageId, turn: r.turn, seq: r.seq };
  const opt = <T>(key: string, value: T | undefined | null): Record<string, T> => (value === undefined || value === null ? {} : { [key]: value });
  switch (r.type) {
    case 'turn.started':
      if (!isInt(r.offset) || !optStr(r.modelId) || !optInt(r.requestedAtMs)) return null;
      return { ...base, type: 'turn.started', offset: r.offset, ...opt('modelId', r.modelId as string), ...opt('requestedAtMs', r.requestedAtMs as number) };
    case 'text.delta':
      if (!isInt(r.offset) || !isStr(r.text)) return null;
      return { ...base, type: 'text.delta', offset: r.offset, text: r.text };
    case 'tool.started':
      if (!isStr(r.toolUseId) || !isStr(r.name) || !optStr(r.summary)) return null;
      return { ...base, type: 'tool.started', toolUseId: r.toolUseId, name: r.name, ...opt('summary', r.summary as string) };
    case 'tool.finished':
      if (!isStr(r.toolUseId) || !isStr(r.name) || !isStr(r.status) || !optInt(r.durationMs) || !optStr(r.summary)) return null;
      return {
        ...base,
        type: 'tool.finished',
        toolUseId: r.toolUseId,
        name: r.name,
        status: r.status,
        ...opt('durationMs', r.durationMs as number),
        ...opt('summary', r.summary as string),
      };
    case 'turn.completed': {
      if (!isStr(r.stopReason) || !isInt(r.length) || !isStr(r.checksum)) return null;
      const u = r.usage as Record<string, unknown> | undefined | null;
      let usage: TokenUsage | undefined;
      if (u !== undefined && u !== null) {
        if (typeof u !== 'object' || !isInt(u.inputTokens) || !isInt(u.outputTokens) || !isInt(u.totalTokens)) return null;
        usage = { inputTokens: u.inputTokens, outputTokens: u.outputTokens, totalTokens: u.totalTokens };
      }
      return { ...base, type: 'turn.completed', stopReason: r.stopReason, ...opt('usage', usage), length: r.length, checksum: r.checksum };
    }
    case 'turn.failed':
      if ((r.status !== 'FAILED' && r.status !== 'INTERRUPTED') || !isStr(r.errorCode) || !isStr(r.message) || typeof r.retryable !== 'boolean' || !isInt(r.length) || !isStr(r.checksum)) return null;
      return {
        ...base,
        type: 'turn.failed',
        status: r.status,
        errorCode: r.errorCode,
        message: r.message,
        retryable: r.retryable,
        length: r.length,
        checksum: r.checksum,
      };
    case 'turn.cancelled':
      if (!isInt(r.length) || !isStr(r.checksum)) return null;
      return { ...base, type: 'turn.cancelled', length: r.length, checksum: r.checksum };
    default:
      return { ...base, type: r.type, unknown: true };
  }
}
