// The driver (ConversationFollower) with a manual clock, a scripted subscription and a scripted server:
// the same seeded chaos as the .NET CatchUpChaosTests (real driver, real timers semantics: grace period,
// backoff, idle checks), and the individual rules.
import { describe, expect, it } from 'vitest';
import { textChecksum } from '../src/checksum.js';
import { ConversationFollower, type Clock } from '../src/follower.js';
import type { ChatUpdate } from '../src/timeline.js';
import type { Conversation } from '../src/types.js';
import { emptyAnswerView, reduceAnswer } from '../src/view.js';
import { AnswerScript, CONVERSATION_ID, PROMPT, USER_MESSAGE_ID } from './support/answer-script.js';
import { buildAnswer, planPublishes } from './support/chaos.js';
import { DotnetRandom } from './support/dotnet-random.js';

class ManualClock implements Clock {
  t = 1_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private id = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.id;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => void this.timers.delete(h as number);
  nextDue(): number | null {
    let due: number | null = null;
    for (const t of this.timers.values()) if (due === null || t.at < due) due = t.at;
    return due;
  }
  /** Runs the clock to the earliest timer and fires every timer due. */
  advanceToNext(): boolean {
    const due = this.nextDue();
    if (due === null) return false;
    this.t = Math.max(this.t, due);
    for (const [id, timer] of [...this.timers]) {
      if (timer.at <= this.t) {
        this.timers.delete(id);
        timer.fn();
      }
    }
    return true;
  }
}

class Server {
  fetches = 0;
  private holds: Array<Promise<void>> = [];
  constructor(public answer: AnswerScript) {}
  /** A slow getConversation: the next fetch returns (the checkpoint of that moment) only when `release` is called. */
  holdNextFetch(): { release: () => void; released: () => boolean } {
    let release!: () => void;
    let done = false;
    this.holds.push(new Promise<void>((r) => (release = r)));
    return {
      release: () => {
        done = true;
        release();
      },
      released: () => done,
    };
  }
  getConversation = async (conversationId: string): Promise<Conversation | null> => {
    this.fetches++;
    const hold = this.holds.shift();
    if (hold) await hold;
    if (conversationId !== CONVERSATION_ID) return null;
    const t = '2026-01-01T00:00:00Z';
    const snapshot = this.answer.snapshot();
    return {
      conversationId,
      channel: `/chat/${conversationId}`,
      createdAt: t,
      updatedAt: t,
      activeMessageId: ['QUEUED', 'STREAMING'].includes(snapshot.status) ? snapshot.messageId : null,
      messages: [
        { messageId: USER_MESSAGE_ID, role: 'USER', text: PROMPT, status: 'COMPLETED', turn: 1, seq: -1, offset: PROMPT.length, createdAt: t, updatedAt: t },
        snapshot,
      ],
    };
  };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function harness(answer: AnswerScript, messageId?: string, prompt?: string) {
  const server = new Server(answer);
  const clock = new ManualClock();
  const seen: ChatUpdate[] = [];
  let view = emptyAnswerView;
  let shown = '';
  const follower = new ConversationFollower(
    { conversationId: CONVERSATION_ID, ...(messageId ? { messageId } : {}), ...(prompt !== undefined ? { prompt } : {}) },
    server,
    (u) => {
      seen.push(u);
      view = reduceAnswer(view, u);
      if (u.kind === 'textAppended') {
        expect(u.offset).toBe(shown.length);
        shown += u.text;
      } else if (u.kind === 'textReset') shown = u.text;
    },
    {},
    clock,
  );
  return { server, clock, seen, follower, view: () => view, shown: () => shown };
}

describe('ConversationFollower: the seeded chaos of the .NET tests, through the real driver', () => {
  const seeds = Array.from({ length: 120 }, (_, i) => i + 1);
  it.each(seeds)('seed %i ends with exactly the stored text', (seed) => runChaosThroughDriver(seed, false));
  // The viewer subscribed before the answer starts and its first snapshot returns only after a seeded publish
  // (as CatchUpChaosTests.Follow_ChaoticDeliveryWithASlowFirstSnapshot_EndsWithExactlyTheStoredText).
  it.each(seeds)('seed %i with a slow first snapshot ends with exactly the stored text', (seed) => runChaosThroughDriver(seed, true));

  async function runChaosThroughDriver(seed: number, slowFirstSnapshot: boolean) {
    const random = new DotnetRandom(seed);
    const answer = buildAnswer(random);
    const h = harness(answer, answer.messageId);
    const hold = slowFirstSnapshot ? h.server.holdNextFetch() : null;
    const plan = planPublishes(answer, random);
    const { publishes, checkpointThrough } = plan;
    let joinAt = plan.joinAt;
    let releaseAt = -1;
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
    void h.follower.start();
    await settle();
    let loseNext = false;
    for (let p = joinAt; p < publishes.length; p++) {
      published = publishes[p][publishes[p].length - 1].i;
      const keyed = publishes[p].length > 1 ? publishes[p].map((x, n) => ({ e: x.e, k: random.next(), n })) : [{ e: publishes[p][0].e, k: 0, n: 0 }];
      let delivery = keyed.sort((a, b) => a.k - b.k || a.n - b.n).map((x) => x.e);
      if (loseNext) {
        delivery = [];
        loseNext = false;
      }
      for (const e of delivery) {
        if (random.nextDouble() < 0.08) continue;
        h.follower.handlers.event(JSON.stringify(e));
        if (random.nextDouble() < 0.08) h.follower.handlers.event(e);
      }
      if (random.nextDouble() < 0.1 && p > 0) h.follower.handlers.event(publishes[random.next(0, p)][0].e);
      if (random.nextDouble() < 0.05) {
        h.follower.handlers.reconnected();
        loseNext = true;
      }
      checkpoint();
      if (p === releaseAt) {
        await settle();
        hold!.release();
        await settle();
      }
      if (random.nextDouble() < 0.3) await settle();
    }
    answer.checkpointAll();
    await settle();
    for (let round = 0; round < 60 && !h.seen.some((u) => u.kind === 'finished'); round++) {
      expect(h.clock.advanceToNext(), 'the follower waits with no timer armed: it would never resynchronise').toBe(true);
      await settle();
    }
    await h.follower.done;
    const finished = h.seen.find((u) => u.kind === 'finished');
    expect(finished).toMatchObject({ status: 'COMPLETED', text: answer.finalText });
    expect(h.shown()).toBe(answer.finalText);
    expect(h.view()).toMatchObject({ text: answer.finalText, status: 'COMPLETED', final: true, usage: { totalTokens: 46 } });
  }
});

function streamed(pieces: string[], terminal: 'turn.completed' | 'turn.failed' | 'turn.cancelled' = 'turn.completed', toolBefore?: number) {
  const a = new AnswerScript();
  a.startTurn(1, 0);
  pieces.forEach((p, i) => {
    if (i === toolBefore) a.tool('calculate');
    a.delta(p);
  });
  a.end(terminal);
  return a;
}

describe('ConversationFollower rules', () => {
  it('joins before the first token and applies every event in order; tool progress and usage reach the view', async () => {
    const a = streamed(['Hello', ', world', '!'], 'turn.completed', 1);
    const h = harness(a);
    void h.follower.start();
    await settle();
    expect(h.view()).toMatchObject({ status: 'QUEUED', text: '' });
    a.events.slice(0, 3).forEach((e) => h.follower.handlers.event(e)); // started, delta, tool.started
    await settle();
    expect(h.view()).toMatchObject({ status: 'STREAMING', text: 'Hello', runningTool: { name: 'calculate', status: 'running' } });
    a.events.slice(3).forEach((e) => h.follower.handlers.event(e));
    await h.follower.done;
    expect(h.view()).toMatchObject({ text: 'Hello, world!', status: 'COMPLETED', runningTool: null, usage: { inputTokens: 12, outputTokens: 34, totalTokens: 46 } });
    expect(h.view().tools).toEqual([{ toolUseId: 'tool-2', name: 'calculate', summary: 'Running calculate', status: 'success', durationMs: 5 }]);
    expect(h.server.fetches).toBe(1);
  });

  it('joins half-way: the snapshot text, then only what extends it (replays are duplicates)', async () => {
    const a = streamed(['one ', 'two ', 'three ', 'four']);
    a.checkpointIndex = 2; // through "one two "
    const h = harness(a);
    void h.follower.start();
    await settle();
    expect(h.shown()).toBe('one two ');
    a.events.forEach((e) => h.follower.handlers.event(e));
    await h.follower.done;
    expect(h.shown()).toBe('one two three four');
    expect(h.follower.timeline!.duplicatesIgnored).toBe(3);
  });

  it('a small hole waits for the grace period, then re-fetches; a behind snapshot backs off until the checkpoint covers it', async () => {
    const a = streamed(['a', 'b', 'c', 'd', 'e']);
    const h = harness(a);
    void h.follower.start();
    await settle();
    h.follower.handlers.event(a.events[0]);
    h.follower.handlers.event(a.events[2]); // seq 2: seq 1 is missing
    await settle();
    expect(h.server.fetches).toBe(1);
    const t0 = h.clock.t;
    expect(h.clock.advanceToNext()).toBe(true);
    await settle();
    expect(h.clock.t - t0).toBe(300); // the grace period
    expect(h.server.fetches).toBe(2); // snapshot still at -1: behind, ignored
    a.checkpointIndex = 1;
    h.clock.advanceToNext();
    await settle();
    expect(h.server.fetches).toBe(3);
    expect(h.shown()).toBe('ab');
    a.events.slice(3).forEach((e) => h.follower.handlers.event(e));
    await h.follower.done;
    expect(h.shown()).toBe('abcde');
  });

  it('a reconnect re-fetches at once', async () => {
    const a = streamed(['a', 'b', 'c']);
    const h = harness(a);
    void h.follower.start();
    await settle();
    h.follower.handlers.event(a.events[0]);
    h.follower.handlers.event(a.events[1]);
    a.checkpointIndex = 3;
    h.follower.handlers.reconnected();
    await settle();
    expect(h.server.fetches).toBe(2);
    expect(h.seen.some((u) => u.kind === 'connectionRestored')).toBe(true);
    expect(h.shown()).toBe('abc');
  });

  it('a checksum mismatch forces the snapshot and replaces the text', async () => {
    const a = streamed(['right']);
    const h = harness(a);
    void h.follower.start();
    await settle();
    // A corrupted delta (same seq) reaches the client first.
    h.follower.handlers.event(a.events[0]);
    h.follower.handlers.event({ ...a.events[1], text: 'wrong' });
    a.checkpointAll();
    h.follower.handlers.event(a.events[2]);
    await h.follower.done;
    expect(h.shown()).toBe('right');
    expect(h.seen.some((u) => u.kind === 'textReset' && u.reason === 'ChecksumMismatch')).toBe(true);
  });

  it('a takeover truncates to the new turn offset and continues', async () => {
    const a = new AnswerScript();
    a.startTurn(1, 0);
    a.delta('Hello wor');
    a.startTurn(2, 6);
    a.delta('there');
    a.end('turn.completed');
    const h = harness(a);
    void h.follower.start();
    await settle();
    a.events.forEach((e) => h.follower.handlers.event(e));
    await h.follower.done;
    expect(h.shown()).toBe('Hello there');
    expect(h.seen.map((u) => u.kind)).toContain('turnRestarted');
    expect(h.seen.find((u) => u.kind === 'textReset')).toMatchObject({ text: 'Hello ', reason: 'TurnTakeover' });
  });

  it('unknown event types keep their seq; unrelated conversations and garbage are ignored', async () => {
    const a = streamed(['x', 'y']);
    const h = harness(a);
    void h.follower.start();
    await settle();
    const [started, d1, d2, done] = a.events;
    // Re-number: an unknown event at seq 2 pushes the rest by one.
    h.follower.handlers.event(started);
    h.follower.handlers.event(d1);
    h.follower.handlers.event({ v: 1, type: 'thinking.delta', conversationId: CONVERSATION_ID, messageId: a.messageId, turn: 1, seq: 2, text: '…' });
    h.follower.handlers.event({ ...d2, seq: 3 });
    h.follower.handlers.event({ ...d2, conversationId: 'other', seq: 4, text: 'zzz' });
    h.follower.handlers.event('{not json');
    h.follower.handlers.event({ ...done, seq: 4 });
    await h.follower.done;
    expect(h.shown()).toBe('xy');
    expect(h.follower.timeline!.unknownIgnored).toBe(1);
  });

  it('a lost terminal event is found by the idle check (15 s)', async () => {
    const a = streamed(['only']);
    const h = harness(a);
    void h.follower.start();
    await settle();
    h.follower.handlers.event(a.events[0]);
    h.follower.handlers.event(a.events[1]);
    await settle();
    a.checkpointAll();
    const t0 = h.clock.t;
    h.clock.advanceToNext();
    await h.follower.done;
    expect(h.clock.t - t0).toBe(15000);
    expect(h.view()).toMatchObject({ status: 'COMPLETED', text: 'only' });
  });

  it('stopped and failed answers end with the partial text and the error', async () => {
    const cancelled = streamed(['partial'], 'turn.cancelled');
    const h1 = harness(cancelled);
    void h1.follower.start();
    await settle();
    cancelled.events.forEach((e) => h1.follower.handlers.event(e));
    await h1.follower.done;
    expect(h1.view()).toMatchObject({ status: 'CANCELLED', text: 'partial', final: true });

    const failed = streamed(['half an'], 'turn.failed');
    const h2 = harness(failed);
    void h2.follower.start();
    await settle();
    failed.events.forEach((e) => h2.follower.handlers.event(e));
    await h2.follower.done;
    expect(h2.view()).toMatchObject({ status: 'INTERRUPTED', text: 'half an', error: { code: 'ModelStreamError', retryable: true } });
    expect(textChecksum(h2.view().text)).toBe((failed.events[failed.events.length - 1] as { checksum: string }).checksum);
  });

  it('a missing conversation rejects', async () => {
    const h = harness(streamed(['x']));
    const follower = new ConversationFollower({ conversationId: 'nope' }, h.server, () => undefined, {}, h.clock);
    await expect(follower.start()).rejects.toMatchObject({ code: 'ConversationNotFound' });
  });
});

describe('ConversationFollower: the first text before the first snapshot', () => {
  it('a slow snapshot: the first text shows before it returns; it then brings the prompt and is ignored (behind)', async () => {
    const a = streamed(['Streams ', 'are ', 'data.']);
    const h = harness(a, a.messageId);
    const hold = h.server.holdNextFetch();
    void h.follower.start();
    h.follower.handlers.event(a.events[0]);
    h.follower.handlers.event(a.events[1]);
    await settle();
    expect(hold.released()).toBe(false);
    expect(h.shown()).toBe('Streams ');
    expect(h.seen[0]).toMatchObject({ kind: 'following', turn: 1, status: 'QUEUED', prompt: null });
    expect(h.view()).toMatchObject({ status: 'STREAMING', prompt: null });
    hold.release();
    await settle();
    expect(h.seen.filter((u) => u.kind === 'promptFound')).toEqual([{ kind: 'promptFound', messageId: a.messageId, prompt: PROMPT }]);
    expect(h.view().prompt).toBe(PROMPT);
    a.events.slice(2).forEach((e) => h.follower.handlers.event(e));
    await h.follower.done;
    expect(h.shown()).toBe(a.finalText);
    expect(h.seen.some((u) => u.kind === 'textReset' || u.kind === 'resynced')).toBe(false);
    expect(h.server.fetches).toBe(1);
  });

  it('the whole answer from the events ends following without waiting for the snapshot', async () => {
    const a = streamed(['x', 'y']);
    const h = harness(a, a.messageId, 'what I sent');
    const hold = h.server.holdNextFetch();
    void h.follower.start();
    a.events.forEach((e) => h.follower.handlers.event(e));
    await h.follower.done;
    expect(hold.released()).toBe(false);
    expect(h.view()).toMatchObject({ prompt: 'what I sent', text: 'xy', status: 'COMPLETED', final: true });
  });

  it('a prompt the caller knows is in following and not repeated', async () => {
    const a = streamed(['x', 'y']);
    const h = harness(a, a.messageId, 'what I sent');
    const hold = h.server.holdNextFetch();
    void h.follower.start();
    h.follower.handlers.event(a.events[0]);
    await settle();
    hold.release();
    a.events.slice(1).forEach((e) => h.follower.handlers.event(e));
    await h.follower.done;
    expect(h.seen[0]).toMatchObject({ kind: 'following', prompt: 'what I sent' });
    expect(h.seen.some((u) => u.kind === 'promptFound')).toBe(false);
    expect(h.view()).toMatchObject({ prompt: 'what I sent', text: 'xy', status: 'COMPLETED' });
  });

  it('turn.started live, then a gap: re-fetches after the grace period while the first read is still held', async () => {
    const a = streamed(['a', 'b', 'c', 'd']);
    const h = harness(a, a.messageId);
    const hold = h.server.holdNextFetch();
    void h.follower.start();
    h.follower.handlers.event(a.events[0]);
    h.follower.handlers.event(a.events[2]); // seq 1 lost
    h.follower.handlers.event(a.events[3]);
    await settle();
    expect(h.seen.map((u) => u.kind)).toEqual(['following', 'answerStarted']);
    a.checkpointIndex = 3;
    const t0 = h.clock.t;
    expect(h.clock.advanceToNext()).toBe(true);
    await settle();
    expect(h.clock.t - t0).toBe(300);
    expect(h.shown()).toBe('abc');
    expect(hold.released()).toBe(false);
    hold.release();
    await settle();
    a.events.slice(4).forEach((e) => h.follower.handlers.event(e));
    await h.follower.done;
    expect(h.shown()).toBe('abcd');
    expect(h.server.fetches).toBe(2);
  });

  it('a reconnect while started before the snapshot re-fetches at once', async () => {
    const a = streamed(['a', 'b', 'c', 'd']);
    const h = harness(a, a.messageId);
    const hold = h.server.holdNextFetch();
    void h.follower.start();
    h.follower.handlers.event(a.events[0]);
    h.follower.handlers.event(a.events[1]);
    a.checkpointIndex = 3; // seqs 2 and 3 published while the connection was down
    h.follower.handlers.reconnected();
    await settle();
    expect(h.seen.some((u) => u.kind === 'connectionRestored')).toBe(true);
    expect(h.shown()).toBe('abc');
    hold.release();
    a.events.slice(4).forEach((e) => h.follower.handlers.event(e));
    await h.follower.done;
    expect(h.shown()).toBe('abcd');
  });

  it('only a takeover seen live (turn 2 at offset 0): waits for the snapshot', async () => {
    const a = new AnswerScript();
    a.startTurn(1, 0);
    a.delta('lost attempt');
    a.checkpointIndex = 1;
    a.startTurn(2, 0);
    a.delta('Second ');
    a.delta('try.');
    a.end('turn.completed');
    const h = harness(a, a.messageId);
    const hold = h.server.holdNextFetch();
    void h.follower.start();
    h.follower.handlers.event(a.events[2]);
    h.follower.handlers.event(a.events[3]);
    await settle();
    expect(h.seen).toEqual([]);
    hold.release();
    await settle();
    a.events.slice(4).forEach((e) => h.follower.handlers.event(e));
    await h.follower.done;
    expect(h.seen[0]).toMatchObject({ kind: 'following' });
    expect(h.seen.some((u) => u.kind === 'textAppended' && u.text === 'lost attempt')).toBe(true);
    expect(h.seen.some((u) => u.kind === 'turnRestarted' && u.turn === 2)).toBe(true);
    expect(h.shown()).toBe('Second try.');
  });

  it('a snapshot ahead of the live events is taken', async () => {
    const a = streamed(['a', 'b', 'c']);
    const h = harness(a, a.messageId);
    const hold = h.server.holdNextFetch();
    void h.follower.start();
    h.follower.handlers.event(a.events[0]);
    h.follower.handlers.event(a.events[1]);
    await settle();
    expect(h.shown()).toBe('a');
    a.checkpointAll();
    hold.release();
    await h.follower.done;
    expect(h.shown()).toBe('abc');
    expect(h.seen.filter((u) => u.kind === 'resynced')).toMatchObject([{ reason: 'Joined', status: 'COMPLETED' }]);
  });
});
