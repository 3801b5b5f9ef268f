// The seeded chaos scenarios of the .NET catch-up tests (same generator, same seeds: drops, duplicates,
// reorders, replays, reconnects, lagging checkpoints, takeovers) through the TypeScript timeline, compared
// record by record with the .NET timeline's results (fixtures/catchup-dotnet.json, written and checked by
// tests/Client.Tests/CatchUp/CatchUpCrossCheckTests.cs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { textChecksum } from '../src/checksum.js';
import { sha256Hex, utf8 } from '../src/checksum.js';
import { canonicalEvent, runChaos } from './support/chaos.js';

interface Record_ {
  seed: number;
  eventsSha256: string;
  eventCount: number;
  finalLength: number;
  finalSha256: string;
  ops: string;
  updates: string;
}
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'catchup-dotnet.json'), 'utf8')) as { seeds: Record_[]; slowFirstSnapshotSeeds: Record_[] };

describe.each([
  ['the snapshot first', false, fixture.seeds],
  ['a slow first snapshot (the text starts from the first event)', true, fixture.slowFirstSnapshotSeeds],
] as const)('catch-up chaos, the same seeds as .NET, %s', (_name, slowFirstSnapshot, records) => {
  it('the fixture covers the 120 seeds of the .NET chaos test', () => {
    expect(records.map((s) => s.seed)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it.each(records.map((s) => [s.seed, s] as const))('seed %i ends with exactly the stored text, as .NET does, step by step', (seed, expected) => {
    const r = runChaos(seed, slowFirstSnapshot);
    // Same generator: the same events.
    expect(r.events.length).toBe(expected.eventCount);
    expect(sha256Hex(utf8(r.events.map(canonicalEvent).join('\n')))).toBe(expected.eventsSha256);
    // The promise: exactly the stored text.
    expect(r.shownText).toBe(r.finalText);
    expect(r.finished).toMatchObject({ kind: 'finished', status: 'COMPLETED', text: r.finalText });
    expect(r.finalText.length).toBe(expected.finalLength);
    expect(textChecksum(r.finalText)).toBe(expected.finalSha256);
    // Same decisions and the same updates as the .NET MessageTimeline.
    expect(r.ops.join(' ')).toBe(expected.ops);
    expect(r.updates.join(' ')).toBe(expected.updates);
  });
});
