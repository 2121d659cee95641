/**
 * Stream fan-out benchmark: many real clients (socket.io-client over WebSocket, or SSE over HTTP) on a few
 * sessions of a real gateway process; token events are published to conversation.outbound with a real kafkajs
 * producer, and the latency from just before `send()` to the client's receipt is measured in this process.
 * Prints p50/p90/p99/max, deliveries per second, and the gateway's resident memory.
 *
 *   npm run build && npm run bench:fanout
 *   SOMA_BENCH_SUBSCRIBERS=1000 SOMA_BENCH_SESSIONS=4 SOMA_BENCH_ROUNDS=200 SOMA_BENCH_INTERVAL_MS=50
 *   SOMA_BENCH_TRANSPORT=socketio|sse|mixed   SOMA_BENCH_GATEWAY_URL=<use a running gateway instead>
 * Needs the infrastructure (`npm run infra:up`) and SOMA_ADMIN_API_KEY.
 */
import { createEnvelope, Topics } from '#soma/contracts';
import { loadConfig } from '#soma/platform';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';

const env = process.env;
const SUBSCRIBERS = Number(env.SOMA_BENCH_SUBSCRIBERS ?? 1000);
const SESSIONS = Number(env.SOMA_BENCH_SESSIONS ?? 4);
const ROUNDS = Number(env.SOMA_BENCH_ROUNDS ?? 200);
const INTERVAL_MS = Number(env.SOMA_BENCH_INTERVAL_MS ?? 50);
const TRANSPORT = (env.SOMA_BENCH_TRANSPORT ?? 'socketio') as 'socketio' | 'sse' | 'mixed';
const WARMUP_ROUNDS = 20;
const config = loadConfig();
const adminKey = env.SOMA_ADMIN_API_KEY;
if (!adminKey) throw new Error('SOMA_ADMIN_API_KEY is required (the key provisioning registered)');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The gateway's public URL and its operations URL (/metrics, /health/ready). */
async function startGateway(): Promise<{ url: string; opsUrl: string; child?: ChildProcess }> {
  if (env.SOMA_BENCH_GATEWAY_URL) {
    const opsUrl = env.SOMA_BENCH_GATEWAY_OPS_URL;
    if (!opsUrl) throw new Error('SOMA_BENCH_GATEWAY_OPS_URL is required with SOMA_BENCH_GATEWAY_URL');
    return { url: env.SOMA_BENCH_GATEWAY_URL, opsUrl };
  }
  const port = Number(env.SOMA_BENCH_GATEWAY_PORT ?? Number(env.SOMA_TEST_PORT_BASE ?? 3100) + 9);
  const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'apps', 'gateway', 'src', 'main.js')], {
    env: {
      ...env,
      SOMA_GATEWAY_PORT: String(port),
      SOMA_INSTANCE_ID: `bench-${process.pid}`,
      SOMA_LOG_LEVEL: 'warn',
      SOMA_RATE_LIMIT_REQUESTS: '100000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const opsUrl = `http://127.0.0.1:${port + 1000}`;
  for (let attempt = 0; attempt < 240; attempt++) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    const ok = await fetch(`${opsUrl}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, opsUrl, child };
    await sleep(250);
  }
  throw new Error('gateway not ready after 60 s');
}

async function gatewayGauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
}

const gatewayRssBytes = (url: string) => gatewayGauge(url, 'process_resident_memory_bytes');
const gatewayCpuSeconds = (url: string) => gatewayGauge(url, 'process_cpu_seconds_total');

async function gatewayLatency(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const pick = (name: string) =>
    [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)`, 'gm'))].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  const count = pick('gateway_stream_delivery_latency_seconds_count');
  const sum = pick('gateway_stream_delivery_latency_seconds_sum');
  return `${count} live deliveries, mean ${count ? ((sum / count) * 1000).toFixed(2) : '-'} ms (occurredAt → write, ms clock)`;
}

interface Client {
  close(): void;
}

/** One subscriber; calls `onToken` with the session and seq of every token it receives. */
async function connect(
  url: string,
  transport: 'socketio' | 'sse',
  sessionId: string,
  onToken: (sessionId: string, seq: number) => void,
): Promise<Client> {
  if (transport === 'socketio') {
    const socket: Socket = io(`${url}/sessions`, {
      auth: { token: adminKey },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    socket.on('token', (data: { seq: number }, meta: { sessionId: string }) => {
      onToken(meta.sessionId, data.seq);
    });
    const ack = (await socket.timeout(30_000).emitWithAck('join', { sessionId })) as { ok: boolean };
    if (!ack.ok) throw new Error('join refused');
    return { close: () => socket.disconnect() };
  }
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/sessions/${sessionId}/events`, {
    headers: { authorization: `Bearer ${adminKey}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (!response.ok || !response.body) throw new Error(`SSE ${response.status}`);
  const body = response.body;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.includes('event: token')) onToken(sessionId, Number(/^id: (\d+)/m.exec(frame)?.[1]));
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
  return {
    close: () => {
      controller.abort();
    },
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const { url, opsUrl, child } = await startGateway();
  const db = new pg.Client({ connectionString: config.pgUrl });
  await db.connect();
  const kafka = new Kafka({
    clientId: 'soma-bench-fanout',
    brokers: config.kafkaBrokers,
    logLevel: logLevel.ERROR,
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  const clients: Client[] = [];
  try {
    const sessions: { id: string; tenantId: string }[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const response = await fetch(`${url}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `bench ${i}` }),
      });
      const { id } = (await response.json()) as { id: string };
      const row = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM sessions WHERE id = $1', [id]);
      sessions.push({ id, tenantId: row.rows[0]?.tenant_id ?? '' });
    }

    const sent = new Map<string, Float64Array>(
      sessions.map((s) => [s.id, new Float64Array(ROUNDS + WARMUP_ROUNDS + 2)]),
    );
    const latencies = new Float64Array(SUBSCRIBERS * ROUNDS);
    let measured = 0;
    let received = 0;
    let lastReceive = 0;
    const onToken = (sessionId: string, seq: number) => {
      const now = performance.now();
      received++;
      lastReceive = now;
      if (seq <= WARMUP_ROUNDS) return;
      const t0 = sent.get(sessionId)?.[seq] ?? 0;
      if (t0 > 0 && measured < latencies.length) latencies[measured++] = now - t0;
    };

    const connectStarted = performance.now();
    for (let i = 0; i < SUBSCRIBERS; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(SUBSCRIBERS, i + 50); j++) {
        const transport = TRANSPORT === 'mixed' ? (j % 2 === 0 ? 'socketio' : 'sse') : TRANSPORT;
        batch.push(connect(url, transport, sessions[j % SESSIONS]?.id ?? '', onToken));
      }
      clients.push(...(await Promise.all(batch)));
    }
    console.log(
      `connected ${clients.length} ${TRANSPORT} subscribers on ${SESSIONS} sessions in ${Math.round(performance.now() - connectStarted)} ms`,
    );

    const publishRound = async (seq: number) => {
      const messages = sessions.map((session) => {
        const envelope = createEnvelope(
          'token',
          { tenantId: session.tenantId, sessionId: session.id, correlationId: `bench-${randomUUID()}` },
          { turnId: session.id, seq, delta: ` t${seq}` },
        );
        return { key: session.id, value: JSON.stringify(envelope) };
      });
      const t0 = performance.now();
      for (const session of sessions) {
        const times = sent.get(session.id);
        if (times) times[seq] = t0;
      }
      await producer.send({ topic: Topics.conversationOutbound, messages, acks: -1 });
    };

    for (let seq = 1; seq <= WARMUP_ROUNDS; seq++) {
      await publishRound(seq);
      await sleep(INTERVAL_MS);
    }
    await sleep(1000);
    const receivedBefore = received;
    const rssBefore = await gatewayRssBytes(opsUrl);
    const cpuBefore = await gatewayCpuSeconds(opsUrl);
    let rssMax = rssBefore;
    const started = performance.now();
    for (let round = 1; round <= ROUNDS; round++) {
      const next = started + round * INTERVAL_MS;
      await publishRound(WARMUP_ROUNDS + round);
      if (round % 20 === 0) rssMax = Math.max(rssMax, await gatewayRssBytes(opsUrl));
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const expected = SUBSCRIBERS * ROUNDS;
    const deadline = performance.now() + 15_000;
    while (received - receivedBefore < expected && performance.now() < deadline) await sleep(50);
    const deliveries = received - receivedBefore;
    const seconds = (lastReceive - started) / 1000;
    const sorted = latencies.slice(0, measured).sort();
    const rssAfter = await gatewayRssBytes(opsUrl);
    const cpu = (await gatewayCpuSeconds(opsUrl)) - cpuBefore;
    rssMax = Math.max(rssMax, rssAfter);
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

    console.log(
      `\nstream fan-out: ${SUBSCRIBERS} ${TRANSPORT} subscribers, ${SESSIONS} sessions (${SUBSCRIBERS / SESSIONS} each)`,
    );
    console.log(
      `  published      ${ROUNDS * SESSIONS} token events (${((1000 / INTERVAL_MS) * SESSIONS).toFixed(0)}/s) after ${WARMUP_ROUNDS * SESSIONS} warm-up events`,
    );
    console.log(`  delivered      ${deliveries} of ${expected} (${expected - deliveries} missing)`);
    console.log(`  deliveries/s   ${(deliveries / seconds).toFixed(0)}`);
    console.log(
      `  latency (publish → client receive) p50 ${percentile(sorted, 50).toFixed(2)} ms, p90 ${percentile(sorted, 90).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${percentile(sorted, 100).toFixed(2)} ms`,
    );
    console.log(
      `  gateway RSS    ${mb(rssBefore)} before the run, ${mb(rssMax)} peak, ${mb(rssAfter)} after`,
    );
    console.log(
      `  gateway CPU    ${cpu.toFixed(2)} s over ${seconds.toFixed(1)} s (${((cpu / seconds) * 100).toFixed(0)}% of a core; ${((cpu * 1e6) / Math.max(1, deliveries)).toFixed(1)} µs per delivery)`,
    );
    console.log(
      `  machine load   ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (1/5/15 min) on ${cpus().length} cores`,
    );
    console.log(`  gateway view   ${await gatewayLatency(opsUrl)}`);
    console.log(`  bench RSS      ${mb(process.memoryUsage().rss)} (clients and producer)`);
  } finally {
    for (const client of clients) client.close();
    await producer.disconnect();
    await db.end();
    if (child) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
