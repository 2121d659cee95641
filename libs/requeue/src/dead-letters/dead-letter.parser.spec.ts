import { createEnvelope, type ToolCallRequested } from '#soma/contracts';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { headersToText, parseDeadLetter, replayEnvelope, sourceTopicOf } from './dead-letter.parser.js';

const tenantId = randomUUID();
const sessionId = randomUUID();
const request: ToolCallRequested = {
  toolCallId: randomUUID(),
  turnId: null,
  tool: 'memory.write',
  arguments: { content: 'x' },
  requestedBy: 'model',
  principal: { role: 'user', keyId: null },
  context: {},
  attempt: 3,
};
const envelope = createEnvelope('tool.call.requested', { tenantId, sessionId, correlationId: 'c' }, request);

describe('parseDeadLetter', () => {
  it('takes the reason from the headers and the ids from a JSON value', () => {
    const parsed = parseDeadLetter({
      topic: 'tool.requests.dlq',
      partition: 0,
      offset: '7',
      key: null,
      value: Buffer.from(JSON.stringify(envelope)),
      headers: { 'soma-dlq-reason': 'RETRIES_EXHAUSTED', 'soma-dlq-app': 'requeue' },
    });
    expect(parsed).toMatchObject({
      sourceTopic: 'tool.requests',
      reason: 'RETRIES_EXHAUSTED',
      app: 'requeue',
      eventId: envelope.eventId,
      tenantId,
      sessionId,
    });
  });

  it('stores a malformed letter without headers as UNSPECIFIED, with no ids', () => {
    const parsed = parseDeadLetter({
      topic: 'tool.requests.dlq',
      partition: 0,
      offset: '8',
      key: null,
      value: Buffer.from('{not json'),
      headers: {},
    });
    expect(parsed).toMatchObject({ reason: 'UNSPECIFIED', eventId: null, tenantId: null, source: null });
  });

  it('turns header buffers into text and knows the source topic', () => {
    expect(headersToText({ a: Buffer.from('x'), b: [Buffer.from('y')], c: undefined })).toEqual({
      a: 'x',
      b: 'y',
    });
    expect(sourceTopicOf('conversation.inbound.dlq')).toBe('conversation.inbound');
  });
});

describe('replayEnvelope', () => {
  it('republishes a tool call as its next attempt under a new event id', () => {
    const eventId = randomUUID();
    const replay = replayEnvelope('tool.requests', Buffer.from(JSON.stringify(envelope)), eventId);
    expect('envelope' in replay && replay.envelope.eventId).toBe(eventId);
    expect('envelope' in replay && (replay.envelope.payload as ToolCallRequested).attempt).toBe(4);
  });

  it('refuses what would only be dead-lettered again', () => {
    expect(replayEnvelope('tool.requests', Buffer.from('{oops'), randomUUID())).toMatchObject({
      error: expect.stringContaining('MALFORMED_JSON') as unknown,
    });
    expect(replayEnvelope('tool.results', Buffer.from(JSON.stringify(envelope)), randomUUID())).toMatchObject(
      { error: expect.stringContaining('WRONG_TOPIC') as unknown },
    );
    expect(replayEnvelope('nowhere', null, randomUUID())).toHaveProperty('error');
  });
});
