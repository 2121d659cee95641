import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, type Page } from '#soma/client';
import { SessionSocket } from '../support/socket-client.js';
import { createTenant } from '../support/tenants.js';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** Every route that names a session, as the other tenant would call it. */
function sessionRoutes(sessionId: string): [string, string, unknown][] {
  return [
    ['GET', `/v1/sessions/${sessionId}`, undefined],
    ['GET', `/v1/sessions/${sessionId}/messages`, undefined],
    ['GET', `/v1/sessions/${sessionId}/events`, undefined],
    ['POST', `/v1/sessions/${sessionId}/messages`, { content: 'let me in' }],
  ];
}

/** The answer for someone else's session must be indistinguishable from the answer for no session. */
const normalise = (body: ErrorBody, id: string): ErrorBody => ({
  ...body,
  message: body.message.replace(id, '<id>'),
});

describe('tenant isolation and roles', () => {
  const baseUrl = inject('gatewayUrl');
  const adminA = new ApiClient(baseUrl, inject('adminKey'));
  let adminB: ApiClient;
  let keyB: string;
  let userA: ApiClient;
  let userKey: string;
  let sessionA: string;
  let sessionB: string;

  beforeAll(async () => {
    keyB = (await createTenant('isolation')).adminKey;
    adminB = new ApiClient(baseUrl, keyB);
    const created = await adminA.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: 'isolation user', role: 'user' },
    });
    expect(created.status).toBe(201);
    userKey = created.body.key;
    userA = new ApiClient(baseUrl, userKey);
    sessionA = await adminA.createSession();
    sessionB = await adminB.createSession();
  });

  it('read, stream, post: another tenant’s session answers 404 exactly like a session that does not exist', async () => {
    for (const [caller, foreign] of [
      [adminB, sessionA],
      [adminA, sessionB],
      [userA, sessionB],
    ] as const) {
      const missing = randomUUID();
      for (const [index, [method, path, body]] of sessionRoutes(foreign).entries()) {
        const response = await caller.request<ErrorBody>(method, path, { body });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.error).toBe('SESSION_NOT_FOUND');
        const [, missingPath, missingBody] = sessionRoutes(missing)[index] ?? [];
        const control = await caller.request<ErrorBody>(method, missingPath ?? '', { body: missingBody });
        expect(normalise(response.body, foreign)).toEqual(normalise(control.body, missing));
      }
    }
    // Nothing was written into the other tenant's session.
    expect(await adminA.messages(sessionA)).toEqual([]);
    expect(await adminB.messages(sessionB)).toEqual([]);
  });

  it('list: each tenant lists only its own sessions', async () => {
    const listA = await adminA.request<Page<{ id: string }>>('GET', '/v1/sessions?limit=200');
    const listB = await adminB.request<Page<{ id: string }>>('GET', '/v1/sessions?limit=200');
    expect(listA.status).toBe(200);
    expect(listA.body.items.map((s) => s.id)).toContain(sessionA);
    expect(listA.body.items.map((s) => s.id)).not.toContain(sessionB);
    expect(listB.body.items.map((s) => s.id)).toEqual([sessionB]);
    const userList = await userA.request<Page<{ id: string }>>('GET', '/v1/sessions?limit=200');
    expect(userList.body.items.map((s) => s.id)).toContain(sessionA);
  });

  it('join: another tenant’s session gets the same SESSION_NOT_FOUND error frame as a missing one', async () => {
    const socket = new SessionSocket(baseUrl, { token: keyB });
    try {
      const foreign = await socket.join(sessionA);
      const missingId = randomUUID();
      const missing = await socket.join(missingId);
      expect(foreign.ok).toBe(false);
      if (foreign.ok || missing.ok) throw new Error('join should have been refused');
      expect(foreign.error.code).toBe('SESSION_NOT_FOUND');
      expect(foreign.error.message.replace(sessionA, '<id>')).toBe(
        missing.error.message.replace(missingId, '<id>'),
      );
      expect(socket.errors.map((f) => f.data.code)).toEqual(['SESSION_NOT_FOUND', 'SESSION_NOT_FOUND']);
      // The socket stays usable: its own session joins fine.
      expect(await socket.join(sessionB)).toEqual({ ok: true, sessionId: sessionB, afterSeq: 0 });
      expect(socket.socket.connected).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('admin keys: a tenant neither sees nor revokes another tenant’s keys', async () => {
    const keysA = await adminA.request<Page<{ id: string }>>('GET', '/v1/admin/api-keys');
    const keysB = await adminB.request<Page<{ id: string; key?: string }>>('GET', '/v1/admin/api-keys');
    expect(keysB.body.items).toHaveLength(1);
    const idsA = keysA.body.items.map((k) => k.id);
    expect(idsA).not.toContain(keysB.body.items[0]?.id);
    const revoke = await adminB.request<ErrorBody>('DELETE', `/v1/admin/api-keys/${idsA[0] ?? ''}`);
    expect(revoke.status).toBe(404);
    expect(revoke.body.error).toBe('API_KEY_NOT_FOUND');
    expect((await adminA.request('GET', '/v1/sessions')).status).toBe(200);
  });

  it('the user role is refused on every admin route (403) but may use sessions', async () => {
    for (const [method, path, body] of [
      ['GET', '/v1/admin/api-keys', undefined],
      ['POST', '/v1/admin/api-keys', { name: 'escalate', role: 'admin' }],
      ['DELETE', `/v1/admin/api-keys/${randomUUID()}`, undefined],
    ] as const) {
      const response = await userA.request<ErrorBody>(method, path, { body });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.error).toBe('ADMIN_ROLE_REQUIRED');
    }
    const docs = await fetch(`${baseUrl}/docs-json`, {
      headers: { authorization: `Bearer ${userKey}` },
    });
    expect(docs.status).toBe(403);
    const own = await userA.createSession();
    expect((await userA.request('GET', `/v1/sessions/${own}`)).status).toBe(200);
    expect((await adminA.request('GET', `/v1/sessions/${own}`)).status).toBe(200);
  });
});
