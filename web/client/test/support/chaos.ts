// The seeded chaos scenarios of tests/Client.Tests/CatchUp/CatchUpChaosTests.cs, with the same random draws
// in the same order (DotnetRandom), and a deterministic driver over the pure MessageTimeline whose trace
// tests/Client.Tests/CatchUp/CatchUpCrossCheckTests.cs produces identically in .NET
// (web/client/test/fixtures/catchup-dotnet.json).
import { MAX_EVENTS_PER_PUBLISH, type StreamEvent } from '../../src/events.js';
import { MessageTimeline, type ChatUpdate, type ResyncReason } from '../../src/timeline.js';
import { AnswerScript, CONVERSATION_ID } from './answer-script.js';
import { DotnetRandom } from './dotnet-random.js';

const WORDS = ['stream ', 'of ', 'text ', 'café ', 'naïve ', '😀 ', '数据 ', 'fast ', 'tokens, ', 'and\n', '🚀🚀 ', 'done. '];

export function buildAnswer(random: DotnetRandom): AnswerScript {
  const answer = new AnswerScript();
  answer.startTurn(1, 0);
  const pieces = random.next(5, 40);
  let turn = 1;
  for (let i = 0; i < pieces; i++) {
    if (random.nextDouble() < 0.05) answer.tool(random.next(2) === 0 ? 'get_current_time' : 'calculate');
    const count = random.next(1, 4);
    let text = '';
    for (let w = 0; w < count; w++) text += WORDS[random.next(WORDS.length)];
    answer.delta(text);
    if (turn < 3 && i > 2 && random.nextDouble() < 0.04) {
      let turnStart = -1;
      answer.events.forEach((e, idx) => {
        if (e.type === 'turn.started') turnStart = idx;
      });
      const kept = answer.textThrough(random.next(turnStart, answer.events.length)).length;
      turn++;
      answer.startTurn(turn, kept);
    }
  }
  answer.end('turn.completed');
  return answer;
}

/** A canonical one-line form of an event (the same in .NET): hashed to prove both sides generate the same events. */
export function canonicalEvent(e: StreamEvent): string {
  const r = e as unknown as Record<string, unknown>;
  const parts = [e.type, e.turn, e.seq, r.offset ?? '', r.text ?? '', r.name ?? '', r.length ?? '', r.checksum ?? ''];
  return parts.join('\u0001');
}

export function canonicalUpdate(u: ChatUpdate): string {
  switch (u.kind) {
    case 'textAppended':
      return `a${u.offset}+${u.text.length}`;
    case 'textReset':
      return `r${u.text.length}:${u.reason}`;
    case 'answerStarted':
      return `s${u.turn}`;
    case 'turnRestarted':
      return `t${u.turn}@${u.offset}`;
    case 'toolStarted':
      return `T+${u.name}`;
    case 'toolFinished':
      return `T-${u.name}`;
    case 'resynced':
      return `y${u.reason}:${u.status}:${u.length}`;
    case 'finished':
      return `F${u.status}:${u.text.length}`;
    default:
      return u.kind;
  }
}

export interface ChaosResult {
  seed: number;
  events: StreamEvent[];
  finalText: string;
  /** Operations the driver performed: o<eventIndex> offer; s<checkpointIndex><+|-><reason> snapshot (taken or not). */
  ops: string[];
  updates: string[];
  /** The text a UI shows, built only from textAppended/textReset. */
  shownText: string;
  finished: ChatUpdate | null;
}

/**
 * How a chaos answer is published: its events grouped by a seeded publish size, the publish at which the
 * viewer joins, and the checkpoint rule (a seeded lag behind the last published event) — the same random
 * draws, in the same order, as the .NET chaos tests.
 */
export function planPublishes(answer: AnswerScript, random: DotnetRandom) {
  const size = random.next(1, MAX_EVENTS_PER_PUBLISH + 1);
  const publishes: { e: StreamEvent; i: number }[][] = [];
  answer.events.forEach((e, i) => {
    if (i % size === 0) publishes.push([]);
    publishes[publishes.length - 1].push({ e, i });
  });
  const joinAt = random.next(0, publishes.length);
  const checkpointThrough = (published: number) => {
    const lag = random.next(0, 8);
    answer.checkpointIndex = Math.max(answer.checkpointIndex, Math.min(published - lag, published));
  };
  return { publishes, joinAt, checkpointThrough };
}

/**
 * Runs one seed: the same delivery chaos as the .NET test (late join, publishes of up to 5 events in any
 * order, losses, duplicates, replays, reconnects that lose a publish, a lagging checkpoint, takeovers), with
 * a deterministic driver: a snapshot whenever the timeline asks for one or the hole is definite; at the idle
 * points (where the .NET test lets the clock run) a snapshot if a hole is open; after a reconnect; and at the
 * end until the message is final. With `slowFirstSnapshot` the viewer subscribes before the first publish and its
 * first snapshot is applied only after a seeded publish (op `e`: started from the empty text on the first event
 * instead); a reconnect before the start is handled after that snapshot, as the follower does.
 */
export function runChaos(seed: number, slowFirstSnapshot = false): ChaosResult {
  const random = new DotnetRandom(seed);
  const answer = buildAnswer(random);
  const ops: string[] = [];
  const updates: ChatUpdate[] = [];
  const timeline = new MessageTimeline(CONVERSATION_ID, answer.messageId);
  const index = new Map<StreamEvent, number>(answer.events.map((e, i) => [e, i]));

  const snapshot = (reason: ResyncReason) => {
    const taken = timeline.applySnapshot(answer.snapshot(), reason, updates);
    ops.push(`s${answer.checkpointIndex}${taken ? '+' : '-'}${reason}`);
  };
  const deliver = (e: StreamEvent) => {
    ops.push(`o${index.get(e)}`);
    timeline.offer(e, updates);
    if (!timeline.hasSnapshot) {
      if (!timeline.startFromEmpty(updates)) return; // buffered until the first snapshot
      ops.push('e');
    }
    if (timeline.finished) return;
    if (timeline.needsSnapshot) snapshot(timeline.needsSnapshot);
    else if (timeline.holeIsDefinite()) snapshot('Gap');
  };

  const plan = planPublishes(answer, random);
  const { publishes, checkpointThrough } = plan;
  let joinAt = plan.joinAt;
  let releaseAt = -1;
  let reconnectedBeforeStart = false;
  if (slowFirstSnapshot) {
    joinAt = 0;
    releaseAt = random.next(0, publishes.length);
  }
  let published = -1;
  const checkpoint = () => checkpointThrough(published);
  for (let p = 0; p < joinAt; p++) {
    published = publishes[p][publishes[p].length - 1].i;
    checkpoint();
  }

  if (!slowFirstSnapshot) snapshot('Joined');
  let loseNextPublish = false;
  for (let p = joinAt; p < publishes.length; p++) {
    published = publishes[p][publishes[p].length - 1].i;
    // OrderBy(_ => random.Next()).ToList(): one key per element, in order, then a stable sort — and no key
    // at all for a single element (.NET's OrderBy skips the key selector when there is nothing to sort).
    const keyed = publishes[p].length > 1 ? publishes[p].map((x) => ({ e: x.e, k: random.next() })) : publishes[p].map((x) => ({ e: x.e, k: 0 }));
    let delivery = keyed.map((x, n) => ({ ...x, n })).sort((a, b) => a.k - b.k || a.n - b.n).map((x) => x.e);
    if (loseNextPublish) {
      delivery = [];
      loseNextPublish = false;
    }
    for (const e of delivery) {
      if (random.nextDouble() < 0.08) continue; // lost
      deliver(e);
      if (random.nextDouble() < 0.08) deliver(e); // duplicate
    }
    if (random.nextDouble() < 0.1 && p > 0) deliver(publishes[random.next(0, p)][0].e); // an old event replayed
    if (random.nextDouble() < 0.05) {
      ops.push('R');
      if (!timeline.hasSnapshot) reconnectedBeforeStart = true;
      else if (!timeline.finished) snapshot('Reconnected');
      loseNextPublish = true;
    }
    checkpoint();
    if (p === releaseAt && !timeline.finished) {
      snapshot('Joined');
      if (reconnectedBeforeStart && !timeline.finished) snapshot('Reconnected');
    }
    if (random.nextDouble() < 0.3) {
      ops.push('I');
      if (timeline.hole) snapshot('Gap');
    }
  }

  answer.checkpointAll();
  for (let round = 0; round < 60 && !timeline.finished; round++) {
    snapshot(timeline.needsSnapshot ?? (timeline.hole ? 'Gap' : 'Idle'));
  }

  let shown = '';
  for (const u of updates) {
    if (u.kind === 'textAppended') {
      if (u.offset !== shown.length) throw new Error(`seed ${seed}: append at ${u.offset} but ${shown.length} shown`);
      shown += u.text;
    } else if (u.kind === 'textReset') shown = u.text;
  }
  return {
    seed,
    events: answer.events,
    finalText: answer.finalText,
    ops,
    updates: updates.map(canonicalUpdate),
    shownText: shown,
    finished: updates.find((u) => u.kind === 'finished') ?? null,
  };
}
