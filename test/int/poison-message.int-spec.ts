import { loadConfig } from '#soma/platform';
import { deadLetterTopic, Topics } from '#soma/contracts';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, SseStream } from '#soma/client';

const brokers = loadConfig().kafkaBrokers;
const kafka = new Kafka({ clientId: 'soma-test-poison', brokers, logLevel: logLevel.NOTHING });

describe('poison messages on conversation.inbound', () => {
  const dead: KafkaMessage[] = [];
  let consumer: Consumer;

  beforeAll(async () => {
    consumer = kafka.consumer({ groupId: `soma-test-dlq-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic(Topics.conversationInbound), fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        dead.push(message);
        return Promise.resolve();
      },
    });
  });

  afterAll(async () => {
    await consumer.disconnect();
  });

  async function deadLetterFor(marker: string, timeoutMs = 30_000): Promise<KafkaMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = dead.find((m) => m.value?.toString().includes(marker));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no dead letter containing ${marker}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('dead-letters malformed JSON and schema violations with reason codes, and keeps serving', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const markerJson = `not-json-${randomUUID()}`;
    const markerSchema = randomUUID();
    await producer.send({
      topic: Topics.conversationInbound,
      messages: [
        { key: 'k', value: `{"oops": ${markerJson}` },
        {
          key: 'k',
          value: JSON.stringify({
            eventId: markerSchema,
            type: 'conversation.message.posted',
            schemaVersion: 1,
            occurredAt: new Date().toISOString(),
            tenantId: randomUUID(),
            sessionId: randomUUID(),
            correlationId: 'test',
            causationId: null,
            payload: { content: 'missing ids' },
          }),
        },
      ],
    });
    await producer.disconnect();

    const malformed = await deadLetterFor(markerJson);
    expect(malformed.headers?.['soma-dlq-reason']?.toString()).toBe('MALFORMED_JSON');
    expect(malformed.headers?.['soma-dlq-source']?.toString()).toMatch(/^conversation\.inbound\/\d+\/\d+$/);
    const violation = await deadLetterFor(markerSchema);
    expect(violation.headers?.['soma-dlq-reason']?.toString()).toBe('SCHEMA_VIOLATION');
    expect(violation.headers?.['soma-dlq-detail']?.toString()).toContain('/payload/turnId');

    // The worker is still consuming: a real message right after gets its reply.
    const baseUrl = inject('gatewayUrl');
    const api = new ApiClient(baseUrl, inject('adminKey'));
    const sessionId = await api.createSession();
    const stream = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${inject('adminKey')}`,
    });
    await api.postMessage(sessionId, 'Say hello.');
    const events = await stream.waitFor((all) => all.some((e) => e.event === 'turn.completed'), 90_000);
    stream.close();
    expect(events.filter((e) => e.event === 'token').length).toBeGreaterThan(0);
  });
});
