// Every golden file of tests/Contracts.Tests/Resources/golden (the wire contract web and mobile clients
// code against) parses, and round-trips: parse → serialize → parse gives the same event with every field.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { textChecksum } from '../src/checksum.js';
import { parseStreamEvent, STREAM_EVENT_TYPES } from '../src/events.js';

const dir = join(__dirname, '..', '..', '..', 'tests', 'Contracts.Tests', 'Resources', 'golden');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const streamFiles = files.filter((f) => f !== 'chat-turn-request.json');

describe('golden stream events', () => {
  it('covers every event type', () => {
    expect(streamFiles.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([...STREAM_EVENT_TYPES].sort());
  });

  it.each(streamFiles)('%s parses with every field and round-trips', (file) => {
    const raw = readFileSync(join(dir, file), 'utf8');
    const json = JSON.parse(raw) as Record<string, unknown>;
    const parsed = parseStreamEvent(raw);
    expect(parsed).not.toBeNull();
    expect(parsed!.type).toBe(file.replace(/\.json$/, ''));
    expect('unknown' in parsed!).toBe(false);
    // Every field of the golden file is kept, with its value.
    expect(parsed).toEqual(json);
    // Round trip: serialize and parse again.
    expect(parseStreamEvent(JSON.stringify(parsed))).toEqual(parsed);
    // Also from an already parsed object (Amplify hands over objects).
    expect(parseStreamEvent(json)).toEqual(parsed);
  });

  it('terminal checksums are SHA-256 of the UTF-8 text (completed: the text.delta golden text)', () => {
    const delta = JSON.parse(readFileSync(join(dir, 'text.delta.json'), 'utf8')) as { text: string };
    const completed = JSON.parse(readFileSync(join(dir, 'turn.completed.json'), 'utf8')) as { length: number; checksum: string };
    expect(delta.text.length).toBe(completed.length);
    expect(textChecksum(delta.text)).toBe(completed.checksum);
    const cancelled = JSON.parse(readFileSync(join(dir, 'turn.cancelled.json'), 'utf8')) as { checksum: string };
    expect(textChecksum('')).toBe(cancelled.checksum);
    const failed = JSON.parse(readFileSync(join(dir, 'turn.failed.json'), 'utf8')) as { checksum: string; length: number };
    expect(textChecksum('Hello')).toBe(failed.checksum);
    expect(failed.length).toBe(5);
  });

  it('ignores unknown fields and keeps unknown types (they still occupy their seq)', () => {
    const withExtra = parseStreamEvent({ v: 1, type: 'text.delta', conversationId: 'c', messageId: 'm', turn: 1, seq: 1, offset: 0, text: 'x', future: 42 });
    expect(withExtra).toEqual({ v: 1, type: 'text.delta', conversationId: 'c', messageId: 'm', turn: 1, seq: 1, offset: 0, text: 'x' });
    expect(parseStreamEvent({ v: 1, type: 'thinking.delta', conversationId: 'c', messageId: 'm', turn: 1, seq: 2 })).toMatchObject({ type: 'thinking.delta', unknown: true, seq: 2 });
  });

  it('rejects what is not a stream event', () => {
    expect(parseStreamEvent('not json')).toBeNull();
    expect(parseStreamEvent({ type: 'text.delta', conversationId: 'c', messageId: 'm', turn: 1, seq: 1, offset: 0 })).toBeNull(); // no text
    expect(parseStreamEvent({ type: 'text.delta', conversationId: 'c', turn: 1, seq: 1, offset: 0, text: '' })).toBeNull(); // no messageId
    expect(parseStreamEvent([1, 2])).toBeNull();
  });

  it('the queue message golden file is valid JSON (not a stream event: no type)', () => {
    const raw = readFileSync(join(dir, 'chat-turn-request.json'), 'utf8');
    expect(JSON.parse(raw)).toMatchObject({ v: 1, turn: 1 });
    expect(parseStreamEvent(raw)).toBeNull();
  });
});

describe('textChecksum', () => {
  it('matches known SHA-256 vectors, including astral characters', () => {
    expect(textChecksum('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(textChecksum('a'.repeat(1000))).toBe('41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3');
    expect(textChecksum('😀')).toBe('f0443a342c5ef54783a111b51ba56c938e474c32324d90c3a60c9c8e3a37e2d9');
  });
});
