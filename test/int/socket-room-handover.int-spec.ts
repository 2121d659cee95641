import { ReplayLogRepository, SessionStreamHub, type StreamEvent } from '#soma/conversation';
import { createDataSource } from '#soma/persistence';
import { HealthRegistry, loadConfig, RedisService, SomaConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Server, type Namespace } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionRoomFanout } from '#soma/conversation';

const config = new SomaConfig(loadConfig());
const redis = new RedisService(config, new HealthRegistry());
const dataSource = createDataSource(config.pgUrl);
const replayLog = new ReplayLogRepository(redis, dataSource, config);
const hub = new SessionStreamHub(replayLog);
const publish = async (e: StreamEvent) => {
  await replayLog.append([e]);
  hub.dispatch(e);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const event = (sessionId: string, seq: number): StreamEvent => ({
  sessionId,
  seq,
  type: 'token',
  data: { turnId: sessionId, seq, delta: `d${seq}` },
});

describe('Socket.IO room fan-out: replay → room hand-over (real Redis, real Socket.IO server and clients)', () => {
  const http = createServer();
  const server = new Server(http, { transports: ['websocket'] });
  let namespace: Namespace;
  let url: string;
  let fanout: SessionRoomFanout;
  const observed = { live: 0, replayed: 0 };

  beforeAll(async () => {
    namespace = server.of('/sessions');
    await dataSource.initialize();
    fanout = new SessionRoomFanout(
      hub,
      () => namespace,
      (_: StreamEvent, live: boolean, count: number) => {
        if (live) observed.live += count;
        else observed.replayed += count;
      },
    );
    namespace.on('connection', (socket) => {
      socket.on('join', (body: { sessionId: string; afterSeq: number }, ack: (ok: boolean) => void) => {
        fanout.join(body.sessionId, body.afterSeq, socket).then(
          (leave) => {
            socket.on('disconnect', leave);
            ack(true);
          },
          () => {
            ack(false);
          },
        );
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/sessions`;
  });

  afterAll(async () => {
    await server.close();
    await redis.onApplicationShutdown();
    await dataSource.destroy();
  });

  it('every socket gets every event after its afterSeq exactly once, in order, while events keep coming', async () => {
    for (let round = 0; round < 5; round++) {
      const sessionId = randomUUID();
      const total = 150;
      const already = 20 + Math.floor(Math.random() * 40);
      for (let seq = 1; seq <= already; seq++) await publish(event(sessionId, seq));
      const clients: { socket: ClientSocket; afterSeq: number; seqs: number[] }[] = [];
      const producing = (async () => {
        let written = already;
        for (let seq = already + 1; seq <= total; seq++) {
          // The durable replay-log writer (its own consumer group, in partition order) may run a few events
          // ahead of this instance's live consumer.
          if (seq % 7 === 0) {
            while (written < Math.min(total, seq + 3)) await replayLog.append([event(sessionId, ++written)]);
          }
          if (seq > written) await replayLog.append([event(sessionId, seq)]);
          written = Math.max(written, seq);
          // Now and then this instance's live consumer misses an event the log has: the room fills the gap.
          if (seq % 11 !== 0) hub.dispatch(event(sessionId, seq));
          if (seq % 10 === 0) await sleep(1);
        }
      })();
      // Sockets join at random moments, racing the live events; some resume from the middle.
      const joining = Array.from({ length: 12 }, async (_, index) => {
        await sleep(Math.random() * 40);
        const afterSeq = index % 3 === 0 ? 0 : Math.floor(Math.random() * already);
        const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
        const client = { socket, afterSeq, seqs: [] as number[] };
        socket.on('token', (data: { seq: number }, meta: { sessionId: string }) => {
          if (meta.sessionId === sessionId) client.seqs.push(data.seq);
        });
        clients.push(client);
        expect(await socket.timeout(10_000).emitWithAck('join', { sessionId, afterSeq })).toBe(true);
      });
      await Promise.all([producing, ...joining]);
      hub.dispatch(event(sessionId, total)); // a redelivery: must not reach anyone twice
      const deadline = Date.now() + 10_000;
      while (clients.some((c) => c.seqs.length < total - c.afterSeq) && Date.now() < deadline)
        await sleep(20);
      await sleep(100);
      for (const client of clients) {
        client.socket.disconnect();
        const expected = Array.from({ length: total - client.afterSeq }, (_, i) => client.afterSeq + 1 + i);
        expect(client.seqs).toEqual(expected);
      }
      await sleep(50);
      expect(fanout.roomCount).toBe(0);
    }
    expect(observed.live).toBeGreaterThan(0);
    expect(observed.replayed).toBeGreaterThan(0);
  });
});
