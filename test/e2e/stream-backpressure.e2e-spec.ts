import { ApiClient } from '#soma/client';
import { createEnvelope, Topics } from '#soma/contracts';
import { ReplayLogRepository, type StreamEvent } from '#soma/conversation';
import { createDataSource } from '#soma/persistence';
import { HealthRegistry, loadConfig, RedisService, SomaConfig } from '#soma/platform';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opsPortOf, startApp, TEST_ADMIN_KEY, TEST_PORTS, type RunningApp } from '../support/apps.js';
import { defaultTenantId } from '../support/db.js';
import { Inspector } from '../support/inspector.js';
import { RawSocketIoClient, RawSseClient } from '../support/raw-streams.js';
import { SessionSocket } from '../support/socket-client.js';

/**
 * Streams under load, against a gateway of their own (so its memory is its own): a 20,000-event session joined
 * from seq 0 is replayed in pages, and a client that stops reading is cut off (STREAM_SLOW_READER) while the
 * gateway's memory stays bounded, then resumes after its last seq without gap or duplicate. Events are produced
 * the real way: outbound envelopes (the contracts' codec) on conversation.outbound, which the gateway's consumers
 * write to the replay log and fan out.
 */
const config = new SomaConfig(loadConfig());
const redis = new RedisService(config, new HealthRegistry());
const dataSource = createDataSource(config.pgUrl);
const replayLog = new ReplayLogRepository(redis, dataSource, config);
const PAGE = 500;
const MAX_BUFFER = 1024 * 1024;
const port = TEST_PORTS.requeue + 6;
/** The gateway's V8 inspector: memory is read after a full GC, so what is measured is what the gateway holds. */
const inspectPort = TEST_PORTS.gateway + 90;
const url = `http://127.0.0.1:${port}`;
const opsUrl = `http://127.0.0.1:${opsPortOf('gateway', port)}`;
const api = new ApiClient(url, TEST_ADMIN_KEY);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The gateway's metrics: the sum of every series of `name` whose labels include `labels`. */
async function metrics(): Promise<(name: string, labels?: Record<string, string>) => number> {
  const lines = (await (await fetch(`${opsUrl}/metrics`)).text()).split('\n');
  return (name, labels = {}) => {
    let sum = 0;
    for (const line of lines) {
      const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (match?.[1] !== name) continue;
      const series = match[2] ?? '';
      if (Object.entries(labels).every(([key, value]) => series.includes(`${key}="${value}"`)))
        sum += Number(match[3]);
    }
    return sum;
  };
}

const metric = async (name: string, labels?: Record<string, string>) => (await metrics())(name, labels);

/** The gateway's memory after a full garbage collection (`inspector`), as its own metrics report it. */
async function memory(inspector: Inspector): Promise<{ rss: number; heap: number; external: number }> {
  await inspector.collectGarbage();
  const read = await metrics();
  return {
    rss: read('process_resident_memory_bytes'),
    heap: read('nodejs_heap_size_used_bytes'),
    external: read('nodejs_external_memory_bytes'),
  };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('stream paging and slow readers (SSE and Socket.IO, real gateway, Kafka, Redis)', () => {
  let gateway: RunningApp;
  let inspector: Inspector;
  let producer: Producer;
  let tenantId: string;

  beforeAll(async () => {
    gateway = await startApp('gateway', {
      port,
      env: {
        SOMA_INSTANCE_ID: `gw-backpressure-${process.pid}`,
        SOMA_STREAM_REPLAY_PAGE_SIZE: String(PAGE),
        SOMA_STREAM_MAX_BUFFER_BYTES: String(MAX_BUFFER),
        NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}`,
      },
      logSuffix: '-backpressure',
    });
    inspector = await Inspector.connect(inspectPort);
    const kafka = new Kafka({
      clientId: 'soma-test-backpressure',
      brokers: config.kafkaBrokers,
      logLevel: logLevel.ERROR,
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    tenantId = await defaultTenantId();
    await dataSource.initialize();
  });

  afterAll(async () => {
    inspector.close();
    await producer.disconnect();
    await redis.onApplicationShutdown();
    await dataSource.destroy();
    await gateway.stop();
  });

  /** Publishes token events `from..to` of the session, `delta` each, in batches. */
  async function publish(
    sessionId: string,
    from: number,
    to: number,
    delta: string,
    onBatch?: () => Promise<void>,
  ) {
    const batch = Math.max(1, Math.min(1000, Math.floor((512 * 1024) / (delta.length + 400))));
    for (let start = from; start <= to; start += batch) {
      const messages = range(start, Math.min(to, start + batch - 1)).map((seq) => ({
        key: sessionId,
        value: JSON.stringify(
          createEnvelope(
            'token',
            { tenantId, sessionId, correlationId: randomUUID() },
            { turnId: sessionId, seq, delta },
          ),
        ),
      }));
      await producer.send({ topic: Topics.conversationOutbound, messages, acks: -1 });
      await onBatch?.();
    }
  }

  /** The gateway's durable consumer has written seq 1..n to the session's replay log. */
  const logged = (sessionId: string, n: number) => async () =>
    (await redis.client.zcard(`soma:replay:${sessionId}`)) >= n;

  it('a socket join from seq 0 of a 20,000-event session gets every event once, in order, read in pages', async () => {
    const total = 20_000;
    const sessionId = await api.createSession();
    // Written to the replay log as the gateway's durable consumer does (its one-event writes would take minutes).
    const token = (seq: number): StreamEvent => ({
      sessionId,
      seq,
      type: 'token',
      data: { turnId: sessionId, seq, delta: 'x' },
    });
    for (let start = 1; start <= total; start += 1000)
      await replayLog.append(range(start, start + 999).map(token));
    const labels = { transport: 'socketio' };
    const small = { transport: 'socketio', le: String(PAGE) };
    const pagesBefore = await metric('gateway_stream_replay_page_events_count', labels);
    const smallBefore = await metric('gateway_stream_replay_page_events_bucket', small);
    const eventsBefore = await metric('gateway_stream_replay_page_events_sum', labels);

    const client = new SessionSocket(url, { token: TEST_ADMIN_KEY });
    try {
      // Acknowledged once the replay is done (SessionSocket.join's 10 s would be a timing assumption).
      const ack = (await client.socket.emitWithAck('join', { sessionId, afterSeq: 0 })) as { ok: boolean };
      expect(ack.ok).toBe(true);
      // One more, live: everything before it on this socket arrived before it, duplicates included.
      await publish(sessionId, total + 1, total + 1, 'x');
      await client.waitFor(
        () => client.eventsOf(sessionId).some((f) => f.data.seq === total + 1),
        60_000,
        'the live event',
      );
      expect(client.eventsOf(sessionId).map((f) => f.data.seq)).toEqual(range(1, total + 1));
    } finally {
      client.socket.disconnect();
    }

    const pages = (await metric('gateway_stream_replay_page_events_count', labels)) - pagesBefore;
    const paged = (await metric('gateway_stream_replay_page_events_bucket', small)) - smallBefore;
    const read = (await metric('gateway_stream_replay_page_events_sum', labels)) - eventsBefore;
    console.log(`20,000-event join: ${read} events read from the log in ${pages} pages`);
    expect(pages).toBeGreaterThanOrEqual(total / PAGE);
    expect(paged, 'every page holds at most SOMA_STREAM_REPLAY_PAGE_SIZE events').toBe(pages);
    expect(read).toBeGreaterThanOrEqual(total);
    expect(read).toBeLessThanOrEqual(total + 1);
  });

  // Big events fill the kernel's socket buffers quickly; far more is published than the bound, so a gateway that
  // buffered for the stalled client would grow by about `published` bytes.
  const BIG = 'y'.repeat(16 * 1024);
  const COUNT = 3000;
  const published = COUNT * BIG.length;

  /**
   * Publishes COUNT big events to a client that stopped reading, sampling the gateway's memory after every batch;
   * once the gateway has cut the client off, it reads again (what was buffered, the error, the end).
   */
  async function publishWhileStalled(
    sessionId: string,
    transport: 'sse' | 'socketio',
    client: RawSseClient | RawSocketIoClient,
  ) {
    const cutoffs = await metric('gateway_stream_slow_reader_cutoffs_total', { transport });
    const before = await memory(inspector);
    let peak = before;
    let cut = false;
    const sample = async () => {
      const now = await memory(inspector);
      peak = {
        rss: Math.max(peak.rss, now.rss),
        heap: Math.max(peak.heap, now.heap),
        external: Math.max(peak.external, now.external),
      };
      if (!cut && (await metric('gateway_stream_slow_reader_cutoffs_total', { transport })) > cutoffs) {
        cut = true;
        client.resume();
      }
      return cut;
    };
    client.pause();
    await publish(sessionId, 1, COUNT, BIG, async () => {
      await sample();
    });
    await until(sample, 60_000, 'the cut-off');
    await until(logged(sessionId, COUNT), 120_000, 'the replay log to hold every event');
    return { before, peak };
  }

  function report(transport: string, m: Awaited<ReturnType<typeof publishWhileStalled>>, cutAt: number) {
    console.log(
      `${transport} slow reader: published ${mb(published)} to it while it stalled; cut off after seq ${cutAt}; ` +
        `gateway RSS ${mb(m.before.rss)} → peak ${mb(m.peak.rss)} (+${mb(m.peak.rss - m.before.rss)}), ` +
        `heap used peak +${mb(m.peak.heap - m.before.heap)}, external peak +${mb(m.peak.external - m.before.external)}`,
    );
    // What the gateway holds (heap + external after a full GC; RSS follows V8's and the allocator's high-water
    // marks) stays far below what buffering the stalled client's events would take (`published`): the bound is
    // SOMA_STREAM_MAX_BUFFER_BYTES plus the Kafka fetches and the replay pages in flight at the sample.
    expect(m.peak.heap - m.before.heap + (m.peak.external - m.before.external)).toBeLessThan(published / 2);
  }

  it('SSE: a client that stops reading is cut off with STREAM_SLOW_READER, memory stays bounded, Last-Event-ID resumes exactly', async () => {
    const sessionId = await api.createSession();
    const stalled = new RawSseClient(port, TEST_ADMIN_KEY, sessionId);
    await stalled.waitUntil(() => stalled.connected, 30_000, 'the SSE stream');
    const measured = await publishWhileStalled(sessionId, 'sse', stalled);
    // It read again: what was buffered before the cut-off, then the error event, then the end of the response.
    await stalled.waitUntil(() => stalled.ended, 60_000, 'the server to end the response');
    const seqs = stalled.seqs();
    const last = seqs.at(-1) ?? 0;
    expect(seqs).toEqual(range(1, last));
    expect(last).toBeLessThan(COUNT);
    expect(stalled.frames.at(-1)).toMatchObject({ event: 'error', data: { code: 'STREAM_SLOW_READER' } });
    report('SSE', measured, last);

    const resumed = new RawSseClient(port, TEST_ADMIN_KEY, sessionId, last);
    try {
      await resumed.waitUntil(() => resumed.seqs().at(-1) === COUNT, 120_000, 'the rest of the events');
      await publish(sessionId, COUNT + 1, COUNT + 1, 'z');
      await resumed.waitUntil(() => resumed.seqs().at(-1) === COUNT + 1, 60_000, 'the live event after them');
      expect(resumed.seqs()).toEqual(range(last + 1, COUNT + 1));
    } finally {
      resumed.destroy();
      stalled.destroy();
    }
  });

  it('Socket.IO: a socket that stops reading gets an error frame STREAM_SLOW_READER and is disconnected; afterSeq resumes exactly', async () => {
    const sessionId = await api.createSession();
    const stalled = new RawSocketIoClient(port, TEST_ADMIN_KEY);
    await stalled.waitUntil(() => stalled.connectedToNamespace, 30_000, 'the namespace');
    const ackId = stalled.join(sessionId, 0);
    await stalled.waitUntil(() => stalled.acks.has(ackId), 30_000, 'the join ack');
    expect(stalled.acks.get(ackId)).toMatchObject({ ok: true });
    const measured = await publishWhileStalled(sessionId, 'socketio', stalled);
    await stalled.waitUntil(() => stalled.ended, 60_000, 'the server to close the connection');
    const seqs = stalled.seqs();
    const last = seqs.at(-1) ?? 0;
    expect(seqs).toEqual(range(1, last));
    expect(last).toBeLessThan(COUNT);
    expect(stalled.frames.at(-1)).toMatchObject({ event: 'error', data: { code: 'STREAM_SLOW_READER' } });
    expect(stalled.control).toContain('41/sessions,');
    report('Socket.IO', measured, last);

    const resumed = new SessionSocket(url, { token: TEST_ADMIN_KEY });
    try {
      const ack = (await resumed.socket.emitWithAck('join', { sessionId, afterSeq: last })) as {
        ok: boolean;
      };
      expect(ack.ok).toBe(true);
      await publish(sessionId, COUNT + 1, COUNT + 1, 'z');
      await resumed.waitFor(
        () => resumed.eventsOf(sessionId).some((f) => f.data.seq === COUNT + 1),
        60_000,
        'the live event',
      );
      expect(resumed.eventsOf(sessionId).map((f) => f.data.seq)).toEqual(range(last + 1, COUNT + 1));
    } finally {
      resumed.socket.disconnect();
      stalled.destroy();
    }
  });
});
