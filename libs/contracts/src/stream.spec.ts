import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import './envelope-codec.contract.js';
import { checkPayload, SocketJoinSchema } from './stream.contract.js';

describe('checkPayload (Socket.IO client payloads)', () => {
  it('accepts a valid join, with or without afterSeq', () => {
    const sessionId = randomUUID();
    expect(checkPayload(SocketJoinSchema, { sessionId })).toEqual({ ok: true, value: { sessionId } });
    expect(checkPayload(SocketJoinSchema, { sessionId, afterSeq: 7 }).ok).toBe(true);
  });

  it('names every failing and unknown field', () => {
    const result = checkPayload(SocketJoinSchema, { sessionId: 'nope', afterSeq: 1.5, admin: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fields.map((f) => f.field).sort()).toEqual(['admin', 'afterSeq', 'sessionId']);
    expect(result.fields.find((f) => f.field === 'admin')?.errors).toEqual(['admin is not a known field']);
  });

  it('rejects a payload that is not an object', () => {
    for (const value of ['text', 42, null, [1]]) {
      const result = checkPayload(SocketJoinSchema, value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.fields[0]?.field).toBe('(payload)');
    }
  });
});
