import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { ApiClient } from '#soma/client';
import { SessionSocket } from '../support/socket-client.js';

describe('bad input on Socket.IO and the admin routes', () => {
  const baseUrl = inject('gatewayUrl');
  const adminKey = inject('adminKey');
  const api = new ApiClient(baseUrl, adminKey);

  it.each([
    ['no API key', {}, 'API_KEY_MISSING'],
    ['a wrong API key', { token: 'soma_not_a_real_key' }, 'API_KEY_INVALID'],
    ['a wrong Authorization header', { headers: { authorization: 'Bearer nope' } }, 'API_KEY_INVALID'],
  ] as const)('handshake with %s → an error frame, then the server disconnects', async (_, options, code) => {
    const socket = new SessionSocket(baseUrl, options);
    await socket.waitFor(() => socket.disconnectReason !== undefined, 10_000, 'disconnect');
    expect(socket.errors.map((f) => f.data.code)).toEqual([code]);
    expect(socket.disconnectReason).toBe('io server disconnect');
  });

  it('the Authorization header works at the handshake too', async () => {
    const sessionId = await api.createSession();
    const socket = new SessionSocket(baseUrl, { headers: { authorization: `Bearer ${adminKey}` } });
    try {
      expect(await socket.join(sessionId)).toEqual({ ok: true, sessionId, afterSeq: 0 });
    } finally {
      socket.close();
    }
  });

  it('malformed join payloads → VALIDATION_FAILED naming the fields; the socket stays usable', async () => {
    const sessionId = await api.createSession();
    const socket = new SessionSocket(baseUrl, { token: adminKey });
    try {
      const cases: [unknown, string[]][] = [
        [{}, ['sessionId']],
        [{ sessionId: 'not-a-uuid' }, ['sessionId']],
        [{ sessionId, afterSeq: -1 }, ['afterSeq']],
        [{ sessionId, afterSeq: 'x' }, ['afterSeq']],
        [{ sessionId, extra: true }, ['extra']],
        ['just a string', ['(payload)']],
        // Text PostgreSQL cannot store: refused before anything reads it, the field named.
        [{ sessionId: `${sessionId}\u0000` }, ['sessionId']],
        [{ sessionId, extra: '\ud800' }, ['extra']],
        [{ sessionId, ['k\udc00']: 1 }, ['k\udc00']],
        ['\u0000', ['(payload)']],
      ];
      for (const [payload, fields] of cases) {
        const ack = (await socket.emitRaw('join', payload)) as {
          ok: boolean;
          error: { code: string; fields: { field: string }[] };
        };
        expect(ack.ok, JSON.stringify(payload)).toBe(false);
        expect(ack.error.code).toBe('VALIDATION_FAILED');
        expect(ack.error.fields.map((f) => f.field)).toEqual(fields);
      }
      expect(socket.errors).toHaveLength(cases.length);
      expect(socket.socket.connected).toBe(true);
      expect(await socket.join(sessionId, 0)).toEqual({ ok: true, sessionId, afterSeq: 0 });
      expect(await socket.emitRaw('leave', { sessionId })).toEqual({ ok: true });
      expect(await socket.emitRaw('leave', { sessionId: randomUUID() })).toEqual({ ok: false });
    } finally {
      socket.close();
    }
  });

  it('cancel and approval payloads with NUL or unpaired surrogates → VALIDATION_FAILED error frames', async () => {
    const sessionId = await api.createSession();
    const socket = new SessionSocket(baseUrl, { token: adminKey });
    try {
      const cases: [string, unknown, string][] = [
        ['cancel', { sessionId, turnId: `${randomUUID()}\u0000` }, 'turnId'],
        [
          'approval',
          { sessionId, toolCallId: randomUUID(), decision: 'reject', message: 'no\ud83d' },
          'message',
        ],
      ];
      for (const [event, payload, field] of cases) {
        const ack = (await socket.emitRaw(event, payload)) as {
          ok: boolean;
          error: { code: string; fields: { field: string }[] };
        };
        expect(ack.ok, event).toBe(false);
        expect(ack.error.code).toBe('VALIDATION_FAILED');
        expect(ack.error.fields.map((f) => f.field)).toEqual([field]);
      }
      expect(socket.errors.map((f) => f.data.code)).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED']);
      expect(socket.socket.connected).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('admin routes: unknown fields and bad values → 400 naming them; malformed JSON → 400; oversized → 413', async () => {
    const unknown = await api.request<{ error: string; fields: { field: string }[] }>(
      'POST',
      '/v1/admin/api-keys',
      {
        body: { name: 'x', role: 'user', tenantId: randomUUID() },
      },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields.map((f) => f.field)).toEqual(['tenantId']);
    const bad = await api.request<{ fields: { field: string }[] }>('POST', '/v1/admin/api-keys', {
      body: { name: ' ', role: 'root' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f) => f.field).sort()).toEqual(['name', 'role']);
    const malformed = await api.request<{ error: string }>('POST', '/v1/admin/api-keys', {
      rawBody: '{"name":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('MALFORMED_JSON');
    const huge = await api.request<{ error: string }>('POST', '/v1/admin/api-keys', {
      body: { name: 'x'.repeat(200_000), role: 'user' },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toBe('PAYLOAD_TOO_LARGE');
    const query = await api.request<{ fields: { field: string }[] }>('GET', '/v1/sessions?limit=0&sort=x');
    expect(query.status).toBe(400);
    expect(query.body.fields.map((f) => f.field).sort()).toEqual(['limit', 'sort']);
  });
});
