import { ReplayLogRepository, SessionStreamHub, type StreamEvent } from '#soma/conversation';
import { createDataSource } from '#soma/persistence';
import { HealthRegistry, loadConfig, RedisService, SomaConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const config = new SomaConfig(loadConfig());
const redis = new RedisService(config, new HealthRegistry());
const dataSource = createDataSource(config.pgUrl);
const replayLog = new ReplayLogRepository(redis, dataSource, config);
const hub = new SessionStreamHub(replayLog);
/** What the gateway's two consumers do: the durable writer stores the event, the live consumer fans it out. */
const publish = async (e: StreamEvent) => {
  await replayLog.append([e]);
  hub.dispatch(e);
};

const event = (sessionId: string, seq: number): StreamEvent => ({
  sessionId,
  seq,
  type: 'token',
  data: { turnId: sessionId, seq, delta: `d${seq}` },
});

describe('replay log → live hand-over (real Redis)', () => {
  beforeAll(async () => {
    await dataSource.initialize();
  });
  afterAll(async () => {
    await redis.onApplicationShutdown();
    await dataSource.destroy();
  });

  it('delivers every event after afterSeq exactly once and in order while events keep arriving', async () => {
    for (let round = 0; round < 20; round++) {
      const sessionId = randomUUID();
      const total = 120;
      const already = 20 + Math.floor(Math.random() * 60);
      for (let seq = 1; seq <= already; seq++) await publish(event(sessionId, seq));
      const afterSeq = Math.floor(Math.random() * already);
      const received: number[] = [];
      // Live events race with the subscription's replay read.
      const producing = (async () => {
        for (let seq = already + 1; seq <= total; seq++) await publish(event(sessionId, seq));
      })();
      const unsubscribe = await hub.subscribe(sessionId, afterSeq, (e) => received.push(e.seq));
      await producing;
      unsubscribe();
      expect(received).toEqual(Array.from({ length: total - afterSeq }, (_, i) => afterSeq + 1 + i));
    }
  });

  it('does not deliver to a subscriber after it unsubscribed', async () => {
    const sessionId = randomUUID();
    const received: number[] = [];
    const unsubscribe = await hub.subscribe(sessionId, 0, (e) => received.push(e.seq));
    await publish(event(sessionId, 1));
    unsubscribe();
    await publish(event(sessionId, 2));
    expect(received).toEqual([1]);
    expect(hub.subscriberCount).toBe(0);
  });

  it('a gap on the live path is filled from the replay log before anything later is delivered', async () => {
    for (let round = 0; round < 10; round++) {
      const sessionId = randomUUID();
      const received: number[] = [];
      const unsubscribe = await hub.subscribe(sessionId, 0, (e) => received.push(e.seq));
      const total = 60;
      const skipped = new Set<number>();
      for (let seq = 1; seq <= total; seq++) {
        const e = event(sessionId, seq);
        await replayLog.append([e]);
        // This instance's live consumer misses some events (or gets them late): the log has them.
        if (Math.random() < 0.2 && seq < total) skipped.add(seq);
        else hub.dispatch(e);
        // A late duplicate of an earlier event must not be delivered again.
        if (seq % 9 === 0) hub.dispatch(event(sessionId, seq - 3));
      }
      const deadline = Date.now() + 5000;
      while (received.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      unsubscribe();
      expect(skipped.size).toBeGreaterThan(0);
      expect(received).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
  });

  it('a joining subscriber reaches the newest seq this instance saw even when the replay log lags behind', async () => {
    const sessionId = randomUUID();
    for (let seq = 1; seq <= 10; seq++) await publish(event(sessionId, seq));
    // Live events 11..15 were fanned out, but the durable writer has not stored them yet: a subscriber joining
    // now would wait forever for them (nothing live repeats them), so the hub must read them once stored.
    for (let seq = 11; seq <= 15; seq++) hub.dispatch(event(sessionId, seq));
    const received: number[] = [];
    const subscribing = hub.subscribe(sessionId, 5, (e) => received.push(e.seq));
    await new Promise((r) => setTimeout(r, 50));
    for (let seq = 11; seq <= 15; seq++) await replayLog.append([event(sessionId, seq)]);
    const unsubscribe = await subscribing;
    await replayLog.append([event(sessionId, 16)]);
    hub.dispatch(event(sessionId, 16));
    const deadline = Date.now() + 5000;
    while (received.length < 11 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    unsubscribe();
    expect(received).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });
});
