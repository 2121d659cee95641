import { Topics } from '#soma/contracts';
import { SessionEventJournal, TurnFencedError } from '#soma/conversation';
import { createDataSource } from '#soma/persistence';
import { AppIdentity, HealthRegistry, KafkaClient, loadConfig, SomaConfig } from '#soma/platform';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenantId } from '../support/db.js';

const config = new SomaConfig(loadConfig());
const dataSource = createDataSource(config.pgUrl);
const kafka = new KafkaClient(
  config,
  new AppIdentity('sequencer-test', `seq-${process.pid}`),
  new HealthRegistry(),
);
const journal = new SessionEventJournal(dataSource, kafka, config);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every conversation.outbound event of the given sessions, in topic order. */
const seen = new Map<string, { seq: number; type: string }[]>();
let consumer: Consumer;

async function sessionWithRunningTurn(): Promise<{ sessionId: string; turnId: string; tenantId: string }> {
  const tenantId = await defaultTenantId();
  const sessionId = randomUUID();
  const turnId = randomUUID();
  await dataSource.query(`INSERT INTO sessions (id, tenant_id) VALUES ($1, $2)`, [sessionId, tenantId]);
  await dataSource.query(
    `INSERT INTO turns (id, tenant_id, session_id, status, lease_owner, lease_expires_at, attempt)
     VALUES ($1, $2, $3, 'running', 'run-a', now() + interval '1 minute', 1)`,
    [turnId, tenantId, sessionId],
  );
  seen.set(sessionId, []);
  return { sessionId, turnId, tenantId };
}

async function waitSeen(sessionId: string, count: number): Promise<{ seq: number; type: string }[]> {
  const deadline = Date.now() + 30_000;
  while ((seen.get(sessionId)?.length ?? 0) < count && Date.now() < deadline) await sleep(20);
  await sleep(300); // anything published twice would show now
  return seen.get(sessionId) ?? [];
}

describe('one ordered writer per session (real PostgreSQL and Kafka)', () => {
  beforeAll(async () => {
    await dataSource.initialize();
    await kafka.onModuleInit();
    consumer = new Kafka({
      clientId: 'sequencer-test',
      brokers: config.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).consumer({
      groupId: `sequencer-test-${randomUUID()}`,
      maxWaitTimeInMs: 50,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.conversationOutbound, fromBeginning: false });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.run({
      eachMessage: ({ message }) => {
        const envelope = JSON.parse(message.value?.toString() ?? '{}') as {
          sessionId: string;
          type: string;
          payload: { seq: number };
        };
        seen.get(envelope.sessionId)?.push({ seq: envelope.payload.seq, type: envelope.type });
        return Promise.resolve();
      },
    });
    while (!joined) await sleep(50);
    await sleep(1000);
  });

  afterAll(async () => {
    await consumer.disconnect();
    await kafka.onApplicationShutdown();
    await dataSource.destroy();
  });

  it('a slow publisher holding its seq (an open transaction) cannot be overtaken: the topic is 1, 2, 3, ... in order', async () => {
    const { sessionId, turnId, tenantId } = await sessionWithRunningTurn();
    const ctx = { tenantId, sessionId, correlationId: turnId };
    const fence = { turnId, owner: 'run-a', attempt: 1 };
    // Publisher 2 (say, the watchdog or a tool result) takes a seq in a transaction that commits late.
    const slow = dataSource.transaction(async (manager) => {
      await journal.appendIn(manager, ctx, turnId, [
        { type: 'tool.requested', payload: { turnId, toolCallId: randomUUID(), tool: 'x', arguments: {} } },
      ]);
      await sleep(400);
    });
    await sleep(50);
    // Publisher 1 (the runner) streams tokens meanwhile.
    const tokens = (async () => {
      for (let i = 0; i < 20; i++)
        await journal.appendFenced(ctx, fence, [{ type: 'token', payload: { turnId, delta: `t${i} ` } }]);
    })();
    await Promise.all([slow, tokens]);
    await journal.drain(sessionId);
    const events = await waitSeen(sessionId, 21);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    // The slow one took its seq first, so it is first; the tokens follow it, none before.
    expect(events[0]?.type).toBe('tool.requested');
  });

  it('a delayed drain (its lock held) holds back publishing, never reorders it', async () => {
    const { sessionId, turnId, tenantId } = await sessionWithRunningTurn();
    const ctx = { tenantId, sessionId, correlationId: turnId };
    const fence = { turnId, owner: 'run-a', attempt: 1 };
    const holder = dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [sessionId]);
      await sleep(600);
    });
    await sleep(50);
    const writers = [0, 1, 2].map(async (w) => {
      for (let i = 0; i < 10; i++)
        await journal.appendFenced(ctx, fence, [{ type: 'token', payload: { turnId, delta: `${w}.${i} ` } }]);
    });
    await Promise.all([holder, ...writers]);
    const events = await waitSeen(sessionId, 30);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('a run that lost its turn is fenced out: nothing it writes reaches the stream', async () => {
    const { sessionId, turnId, tenantId } = await sessionWithRunningTurn();
    const ctx = { tenantId, sessionId, correlationId: turnId };
    await journal.appendFenced(ctx, { turnId, owner: 'run-a', attempt: 1 }, [
      { type: 'token', payload: { turnId, delta: 'a' } },
    ]);
    // Another run takes the turn over (attempt 2).
    await dataSource.query(`UPDATE turns SET attempt = 2, lease_owner = 'run-b' WHERE id = $1`, [turnId]);
    await expect(
      journal.appendFenced(ctx, { turnId, owner: 'run-a', attempt: 1 }, [
        { type: 'token', payload: { turnId, delta: 'zombie' } },
      ]),
    ).rejects.toBeInstanceOf(TurnFencedError);
    await journal.appendFenced(ctx, { turnId, owner: 'run-b', attempt: 2 }, [
      { type: 'token', payload: { turnId, delta: 'b' } },
    ]);
    const events = await waitSeen(sessionId, 2);
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    const [row] = await dataSource.query<{ text: string }[]>(
      `SELECT string_agg(envelope->'payload'->>'delta', '' ORDER BY seq) AS text FROM session_events WHERE turn_id = $1`,
      [turnId],
    );
    expect(row?.text).toBe('ab');
  });
});
