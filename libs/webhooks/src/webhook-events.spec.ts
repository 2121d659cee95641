import { createEnvelope } from '#soma/contracts';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isWebhookEventType, webhookEventOf } from './webhook-events.contract.js';

const context = { tenantId: randomUUID(), sessionId: randomUUID(), correlationId: 'c-1' };
const usage = { promptTokens: 3, completionTokens: 2, totalTokens: 5 };

describe('webhookEventOf', () => {
  it('makes a subscribed outbound event the body endpoints get: its id, type, time, tenant, session, payload', () => {
    const payload = { turnId: randomUUID(), seq: 7, messageId: randomUUID(), usage };
    const envelope = createEnvelope('turn.completed', context, payload);
    expect(webhookEventOf(envelope)).toEqual({
      id: envelope.eventId,
      type: 'turn.completed',
      occurredAt: envelope.occurredAt,
      tenantId: context.tenantId,
      sessionId: context.sessionId,
      data: payload,
    });
  });

  it('ignores the types no webhook may subscribe to (tokens, tool events, turn.started)', () => {
    const turnId = randomUUID();
    expect(webhookEventOf(createEnvelope('token', context, { turnId, seq: 2, delta: 'hi' }))).toBeNull();
    expect(webhookEventOf(createEnvelope('turn.started', context, { turnId, seq: 1 }))).toBeNull();
    expect(isWebhookEventType('turn.failed')).toBe(true);
    expect(isWebhookEventType('requeue.item_created')).toBe(true);
    expect(isWebhookEventType('token')).toBe(false);
  });
});
