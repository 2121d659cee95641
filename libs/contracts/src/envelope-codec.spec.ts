import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEnvelope, decodeEnvelope } from './envelope-codec.contract.js';
import { allTopicSpecs, Topics } from './topics.contract.js';

const context = { tenantId: randomUUID(), sessionId: randomUUID(), correlationId: 'c-1' };

describe('envelope codec', () => {
  it('round-trips a valid envelope', () => {
    const envelope = createEnvelope('token', context, { turnId: randomUUID(), seq: 3, delta: 'hi' });
    const decoded = decodeEnvelope(Topics.conversationOutbound, JSON.stringify(envelope));
    expect(decoded).toEqual({ ok: true, envelope });
  });

  it('keeps a W3C trace context and drops a malformed one without rejecting the message', () => {
    const envelope = createEnvelope('token', context, { turnId: randomUUID(), seq: 3, delta: 'hi' });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const traced = { ...envelope, traceparent, tracestate: 'soma=1' };
    expect(decodeEnvelope(Topics.conversationOutbound, JSON.stringify(traced))).toEqual({
      ok: true,
      envelope: traced,
    });
    for (const bad of [
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      `${traceparent}${'x'.repeat(10_000)}`,
      42,
    ]) {
      const decoded = decodeEnvelope(
        Topics.conversationOutbound,
        JSON.stringify({ ...envelope, traceparent: bad, tracestate: 'soma=1' }),
      );
      expect(decoded.ok && decoded.droppedTraceContext).toMatch(/trace/);
      expect(decoded.ok && decoded.envelope).toEqual(envelope);
      expect(decoded.ok && 'traceparent' in decoded.envelope).toBe(false);
    }
    const longState = { ...envelope, traceparent, tracestate: 'x'.repeat(513) };
    const decoded = decodeEnvelope(Topics.conversationOutbound, JSON.stringify(longState));
    expect(decoded.ok && decoded.droppedTraceContext).toMatch(/tracestate/);
    expect(decoded.ok && decoded.envelope).toEqual(envelope);
  });

  it('adds no trace context while no tracer is registered', () => {
    const envelope = createEnvelope('token', context, { turnId: randomUUID(), seq: 3, delta: 'hi' });
    expect('traceparent' in envelope).toBe(false);
  });

  it('names the reason for each kind of bad message', () => {
    expect(decodeEnvelope(Topics.conversationInbound, '{nope')).toMatchObject({
      ok: false,
      code: 'MALFORMED_JSON',
    });
    expect(decodeEnvelope(Topics.conversationInbound, null)).toMatchObject({
      ok: false,
      code: 'MALFORMED_JSON',
    });
    expect(decodeEnvelope(Topics.conversationInbound, '"text"')).toMatchObject({
      ok: false,
      code: 'MALFORMED_JSON',
    });
    expect(decodeEnvelope(Topics.conversationInbound, '{"type":"x","schemaVersion":1}')).toMatchObject({
      ok: false,
      code: 'UNKNOWN_MESSAGE_TYPE',
    });
    const token = createEnvelope('token', context, { turnId: randomUUID(), seq: 1, delta: 'a' });
    expect(decodeEnvelope(Topics.conversationInbound, JSON.stringify(token))).toMatchObject({
      ok: false,
      code: 'WRONG_TOPIC',
    });
    const broken = { ...token, payload: { ...token.payload, seq: 0 }, extra: true };
    const result = decodeEnvelope(Topics.conversationOutbound, JSON.stringify(broken));
    expect(result).toMatchObject({ ok: false, code: 'SCHEMA_VIOLATION' });
    expect(result.ok ? '' : result.detail).toMatch(/\/payload\/seq|\/extra/);
  });

  it('refuses to build an envelope its consumers would reject', () => {
    expect(() => createEnvelope('token', context, { turnId: 'not-a-uuid', seq: 1, delta: 'a' })).toThrow(
      /invalid token/,
    );
    // @ts-expect-error: an unknown type does not compile; at run time it throws too.
    expect(() => createEnvelope('nope', context, {})).toThrow(/no contract/);
  });

  it('declares a retry and a dead-letter topic for every consumed topic', () => {
    const names = allTopicSpecs().map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    for (const topic of [Topics.conversationInbound, Topics.toolRequests, Topics.toolResults]) {
      expect(names).toContain(`${topic}.retry`);
      expect(names).toContain(`${topic}.dlq`);
    }
    expect(names).toContain(Topics.auditEvents);
  });
});
