/**
 * Orchestration overhead per turn, i.e. everything that is not the model:
 *   accept    gateway accepts the POST (turn row created) → the worker calls the model
 *   finish    the model returns → turn.completed reaches the SSE client
 * beside a raw kafkajs produce → consume round trip (acks=-1) measured in the same run on the same broker.
 * Usage: npm run platform, then npm run bench:turn-overhead [-- --turns 200]
 */
import { ApiClient, SseStream } from '#soma/client';
import { loadConfig } from '#soma/platform';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const turns = Number(process.argv[process.argv.indexOf('--turns') + 1]) || 200;
const config = loadConfig();
const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const line = (label: string, values: number[]) =>
  `  ${label.padEnd(44)} p50 ${pct(values, 50).toFixed(2).padStart(7)} ms   p99 ${pct(values, 99).toFixed(2).padStart(7)} ms   (n=${values.length})`;

async function rawRoundTrip(samples: number): Promise<number[]> {
  const kafka = new Kafka({
    clientId: 'soma-bench-rtt',
    brokers: config.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const topic = 'bench.roundtrip';
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(topic)) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    });
  }
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `soma-bench-rtt-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: false });
  const waiting = new Map<string, (at: number) => void>();
  let joined: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined();
  });
  await consumer.run({
    eachMessage: ({ message }) => {
      waiting.get(message.value?.toString() ?? '')?.(performance.now());
      return Promise.resolve();
    },
  });
  await ready;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const results: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const id = randomUUID();
    const received = new Promise<number>((resolve) => waiting.set(id, resolve));
    const sent = performance.now();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: id }] });
    const at = await received;
    if (i >= 20) results.push(at - sent);
  }
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return results;
}

async function platformOverhead(
  count: number,
): Promise<{ accept: number[]; acceptWithoutSlm: number[]; slm: number[]; finish: number[] }> {
  const keyFile = join(process.env.SOMA_STATE_DIR ?? '.soma', 'admin-api-key');
  const key = config.adminApiKey ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '');
  const baseUrl = process.env.SOMA_BENCH_URL ?? `http://127.0.0.1:${config.gatewayPort}`;
  const api = new ApiClient(baseUrl, key);
  const profile = `bench-tiny-${randomUUID().slice(0, 6)}`;
  await api.request('POST', '/v1/model-profiles', {
    body: { name: profile, provider: 'local', model: 'bench', maxTokens: 4 },
  });
  const accept: number[] = [];
  const acceptWithoutSlm: number[] = [];
  const slm: number[] = [];
  const finish: number[] = [];
  let sessionId = '';
  let stream: SseStream | undefined;
  for (let i = 0; i < count + 5; i++) {
    if (i % 20 === 0) {
      stream?.close();
      sessionId = (
        await api.request<{ id: string }>('POST', '/v1/sessions', { body: { modelProfile: profile } })
      ).body.id;
      stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
        authorization: `Bearer ${key}`,
      });
      await stream.status;
    }
    const { turnId } = await api.postMessage(sessionId, `Say a word (${i}).`);
    const events = await (stream as SseStream).waitFor(
      (all) => all.some((e) => e.event === 'turn.completed' && e.data.includes(turnId)),
      60_000,
    );
    const completed = events.find((e) => e.event === 'turn.completed' && e.data.includes(turnId));
    const receivedAtEpoch = performance.timeOrigin + (completed?.receivedAt ?? 0);
    const turn = (
      await api.request<
        { id: string; createdAt: string; generationStartedAt: string; generationEndedAt: string }[]
      >('GET', `/v1/sessions/${sessionId}/turns`)
    ).body.find((t) => t.id === turnId);
    if (!turn) throw new Error('turn not found');
    if (i < 5) continue; // warm-up
    const messages = (
      await api.request<{ turnId: string; role: string; classification: { durationMs?: number } | null }[]>(
        'GET',
        `/v1/sessions/${sessionId}/messages`,
      )
    ).body;
    const slmMs =
      messages.find((m) => m.turnId === turnId && m.role === 'user')?.classification?.durationMs ?? 0;
    slm.push(slmMs);
    accept.push(Date.parse(turn.generationStartedAt) - Date.parse(turn.createdAt));
    acceptWithoutSlm.push((accept.at(-1) ?? 0) - slmMs);
    finish.push(receivedAtEpoch - Date.parse(turn.generationEndedAt));
  }
  stream?.close();
  return { accept, acceptWithoutSlm, slm, finish };
}

const rtt = await rawRoundTrip(turns);
const { accept, acceptWithoutSlm, slm, finish } = await platformOverhead(turns);
console.log(`turn orchestration overhead (${turns} turns, model capped at 4 tokens; timestamps in ms)`);
console.log(line('raw kafkajs produce → consume (acks=-1)', rtt));
console.log(line('accept: POST accepted → model called', accept));
console.log(line('  of which SLM preprocessing (model work)', slm));
console.log(line('  accept without SLM preprocessing', acceptWithoutSlm));
console.log(line('finish: model returned → turn.completed at client', finish));
const worst = Math.max(pct(acceptWithoutSlm, 99), pct(finish, 99));
console.log(
  `  worst orchestration overhead p99 (SLM excluded) ${worst.toFixed(2)} ms = ${(worst / pct(rtt, 99)).toFixed(1)}× the raw round trip p99 (targets: ≤ 15 ms and ≤ 5×)`,
);
