import { ApiClient, SseStream, type Page } from '#soma/client';
import { Topics } from '#soma/contracts';
import { loadConfig } from '#soma/platform';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { ofTurn, payload, terminalOf } from '../support/events.js';

const config = loadConfig();

describe('exactly-once turns and ordering', () => {
  const baseUrl = inject('gatewayUrl');
  const key = inject('adminKey');
  const api = new ApiClient(baseUrl, key);

  it('a POST repeated with the same Idempotency-Key returns the same turn; another message with it is refused', async () => {
    const sessionId = await api.createSession();
    const post = (content: string) =>
      api.request<{ turnId: string; replayed: boolean; error?: string }>(
        'POST',
        `/v1/sessions/${sessionId}/messages`,
        {
          body: { content },
          headers: { 'idempotency-key': 'retry-42' },
        },
      );
    const [first, second] = await Promise.all([post('Hello there'), post('Hello there')]);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.turnId).toBe(first.body.turnId);
    expect([first.body.replayed, second.body.replayed].sort()).toEqual([false, true]);
    const third = await post('Something else');
    expect(third.status).toBe(409);
    expect(third.body.error).toBe('IDEMPOTENCY_KEY_REUSED');
    const turns = await api.request<Page<unknown>>('GET', `/v1/sessions/${sessionId}/turns`);
    expect(turns.body.items).toHaveLength(1);
  });

  it('the same inbound envelope produced twice more to conversation.inbound yields one turn and one reply', async () => {
    const sessionId = await api.createSession();
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    const { turnId } = await api.postMessage(sessionId, 'Say one word.');
    await stream.waitFor(terminalOf(turnId), 120_000);

    // The exact envelope the gateway published, as written in its outbox.
    const db = new pg.Client({ connectionString: config.pgUrl });
    await db.connect();
    const { rows } = await db.query<{ envelope: { payload: { turnId: string } } }>(
      `SELECT envelope FROM outbox WHERE topic = $1 AND envelope->'payload'->>'turnId' = $2`,
      [Topics.conversationInbound, turnId],
    );
    await db.end();
    expect(rows).toHaveLength(1);
    const producer = new Kafka({
      clientId: 'soma-test-redelivery',
      brokers: config.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    const value = JSON.stringify(rows[0]?.envelope);
    await producer.send({
      topic: Topics.conversationInbound,
      messages: [
        { key: sessionId, value },
        { key: sessionId, value },
      ],
    });
    await producer.disconnect();

    // Same key, same partition: once a later message is answered, the duplicates have been consumed.
    const later = await api.postMessage(sessionId, 'And another word.');
    const events = await stream.waitFor(terminalOf(later.turnId), 120_000);
    stream.close();
    const ofFirst = events.filter(ofTurn(turnId));
    expect(ofFirst.filter((e) => e.event === 'turn.started')).toHaveLength(1);
    expect(ofFirst.filter((e) => e.event === 'turn.completed')).toHaveLength(1);
    const messages = await api.messages(sessionId);
    expect(messages.filter((m) => m.turnId === turnId).map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('two messages posted back to back in one session are answered in order', async () => {
    const sessionId = await api.createSession();
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    const first = await api.postMessage(sessionId, 'First: name a fruit.');
    const second = await api.postMessage(sessionId, 'Second: name a vegetable.');
    const events = await stream.waitFor(terminalOf(second.turnId), 180_000);
    stream.close();
    const index = (turnId: string, type: string) =>
      events.findIndex((e) => e.event === type && ofTurn(turnId)(e));
    expect(index(first.turnId, 'turn.completed')).toBeGreaterThan(-1);
    expect(index(first.turnId, 'turn.completed')).toBeLessThan(index(second.turnId, 'turn.started'));
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
    const messages = await api.messages(sessionId);
    expect(messages.map((m) => [m.turnId, m.role])).toEqual([
      [first.turnId, 'user'],
      [first.turnId, 'assistant'],
      [second.turnId, 'user'],
      [second.turnId, 'assistant'],
    ]);
    const turns = (
      await api.request<{ items: { id: string; context: { content: string }[] }[] }>(
        'GET',
        `/v1/sessions/${sessionId}/turns`,
      )
    ).body.items;
    const reply = messages[1]?.content;
    expect(turns.find((t) => t.id === second.turnId)?.context.map((m) => m.content)).toContain(reply);
    expect(payload<{ turnId: string }>(events[0] as NonNullable<(typeof events)[0]>).turnId).toBe(
      first.turnId,
    );
  });
});
