import { ReplayLogRepository, SessionStreamHub, type StreamEvent } from '#soma/conversation';
import { HealthRegistry, loadConfig, RedisService, SomaConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';

const config = new SomaConfig(loadConfig());
const redis = new RedisService(config, new HealthRegistry());
const hub = new SessionStreamHub(new ReplayLogRepository(redis, config));

const event = (sessionId: string, seq: number): StreamEvent => ({
  sessionId,
  seq,
  type: 'token',
  data: { turnId: sessionId, seq, delta: `d${seq}` },
});

describe('replay log → live hand-over (real Redis)', () => {
  afterAll(async () => {
    await redis.onApplicationShutdown();
  });

  it('delivers every event after afterSeq exactly once and in order while events keep arriving', async () => {
    for (let round = 0; round < 20; round++) {
      const sessionId = randomUUID();
      const total = 120;
      const already = 20 + Math.floor(Math.random() * 60);
      for (let seq = 1; seq <= already; seq++) await hub.dispatch(event(sessionId, seq));
      const afterSeq = Math.floor(Math.random() * already);
      const received: number[] = [];
      // Live events race with the subscription's replay read.
      const producing = (async () => {
        for (let seq = already + 1; seq <= total; seq++) await hub.dispatch(event(sessionId, seq));
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
    await hub.dispatch(event(sessionId, 1));
    unsubscribe();
    await hub.dispatch(event(sessionId, 2));
    expect(received).toEqual([1]);
    expect(hub.subscriberCount).toBe(0);
  });
});
