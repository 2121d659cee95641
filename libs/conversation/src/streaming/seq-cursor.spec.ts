import { describe, expect, it } from 'vitest';
import { SeqCursor } from './seq-cursor.js';
import { type StreamEvent } from './stream-event.contract.js';

const event = (seq: number): StreamEvent => ({
  sessionId: 's',
  seq,
  type: 'token',
  data: { seq, delta: `d${seq}` },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A durable source holding `stored` (tests add to it), answering after `delayMs`, recording what it was asked. */
function source(seqs: number[], delayMs = 2) {
  const stored = new Set(seqs);
  const asked: [number, number | undefined][] = [];
  const fill = async (after: number, before?: number): Promise<StreamEvent[]> => {
    asked.push([after, before]);
    await sleep(delayMs);
    return [...stored]
      .filter((seq) => seq > after && (before === undefined || seq < before))
      .sort((a, b) => a - b)
      .map(event);
  };
  return { stored, asked, fill };
}

describe('SeqCursor', () => {
  it('delivers in order and once, reading a gap from the source before anything later', async () => {
    const store = source(Array.from({ length: 30 }, (_, i) => i + 1));
    const delivered: number[] = [];
    const cursor = new SeqCursor(0, (e) => delivered.push(e.seq), store.fill);
    for (const seq of [1, 2, 5, 3, 9, 2, 10, 4]) cursor.offer(event(seq), true);
    await cursor.settled();
    cursor.offer(event(11), true);
    await cursor.catchUp(11);
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(store.asked.length).toBeGreaterThan(0);
  });

  it('catchUp reaches a head no live event will repeat, and Infinity reads all the source has', async () => {
    const store = source([1, 2, 3, 4, 5, 6]);
    const delivered: number[] = [];
    const cursor = new SeqCursor(2, (e) => delivered.push(e.seq), store.fill);
    await cursor.catchUp(Number.POSITIVE_INFINITY);
    expect(delivered).toEqual([3, 4, 5, 6]);
    expect(cursor.idle).toBe(true);
  });

  it('holds what it cannot place yet, and places it once the source has the gap', async () => {
    const store = source([1, 3]);
    const delivered: number[] = [];
    const cursor = new SeqCursor(0, (e) => delivered.push(e.seq), store.fill);
    cursor.offer(event(1), true);
    cursor.offer(event(3), true); // 2 is not in the source yet (the durable writer lags)
    await cursor.settled();
    expect(delivered).toEqual([1]);
    expect(cursor.idle).toBe(false);
    store.stored.add(2);
    cursor.offer(event(4), true); // the next live event makes the cursor look again
    await cursor.settled();
    expect(delivered).toEqual([1, 2, 3, 4]);
  });

  it('delivers nothing after close', async () => {
    const store = source([1, 2, 3]);
    const delivered: number[] = [];
    const cursor = new SeqCursor(0, (e) => delivered.push(e.seq), store.fill);
    cursor.offer(event(3), true);
    cursor.close();
    await cursor.settled();
    cursor.offer(event(1), true);
    expect(delivered).toEqual([]);
  });
});

describe('SeqCursor paging and bounded holding', () => {
  /** A source answering at most `page` events per read. */
  function paged(total: number, page: number) {
    const asked: number[] = [];
    const fill = async (after: number, before?: number): Promise<StreamEvent[]> => {
      await sleep(1);
      const last = Math.min(total, before === undefined ? total : before - 1, after + page);
      const events = [];
      for (let seq = after + 1; seq <= last; seq++) events.push(event(seq));
      asked.push(events.length);
      return events;
    };
    return { asked, fill };
  }

  it('an unbounded catch-up reads page after page until a page comes back empty', async () => {
    const store = paged(1234, 100);
    const delivered: number[] = [];
    const cursor = new SeqCursor(0, (e) => delivered.push(e.seq), store.fill);
    await cursor.catchUp(Number.POSITIVE_INFINITY);
    expect(delivered).toEqual(Array.from({ length: 1234 }, (_, i) => i + 1));
    expect(store.asked).toEqual([...Array<number>(12).fill(100), 34, 0]);
  });

  it('holds at most maxHeld live events during a catch-up and reads the others back, in order, once', async () => {
    const store = paged(300, 20);
    const delivered: number[] = [];
    const cursor = new SeqCursor(
      0,
      (e) => delivered.push(e.seq),
      store.fill,
      () => undefined,
      5,
    );
    const catchingUp = cursor.catchUp(Number.POSITIVE_INFINITY);
    // Live events 201..300 arrive while the replay is still on its first pages: only 5 may be held.
    for (let seq = 201; seq <= 300; seq++) cursor.offer(event(seq), true);
    await catchingUp;
    await cursor.settled();
    expect(delivered).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });
});
