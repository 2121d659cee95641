import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, type Page } from '#soma/client';
import { startApp, TEST_PORTS, type RunningApp } from '../support/apps.js';
import { SessionSocket, type JoinAck } from '../support/socket-client.js';
import { SseStream } from '#soma/client';

interface Key {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
  key?: string;
}

describe('API keys: created (shown once), listed, revoked everywhere; rate limited per key', () => {
  const baseUrl = inject('gatewayUrl');
  const admin = new ApiClient(baseUrl, inject('adminKey'));
  let gatewayB: RunningApp;
  let urlB: string;

  beforeAll(async () => {
    // A second instance with a tiny rate limit: revocation must reach it, and its limit is easy to hit.
    const port = TEST_PORTS.requeue + 2;
    gatewayB = await startApp('gateway', {
      port,
      env: {
        SOMA_INSTANCE_ID: 'gw-keys',
        SOMA_RATE_LIMIT_REQUESTS: '5',
        SOMA_RATE_LIMIT_WINDOW_SECONDS: '30',
      },
      logSuffix: '-keys',
    });
    urlB = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await gatewayB.stop();
  });

  it('shows a new key once; the list never contains keys or hashes', async () => {
    const created = await admin.request<Key>('POST', '/v1/admin/api-keys', {
      body: { name: 'once', role: 'user' },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^soma_[\w-]{40,}$/);
    expect(created.body.key?.startsWith(created.body.prefix)).toBe(true);
    expect(created.body).toMatchObject({ name: 'once', role: 'user', revokedAt: null });
    const list = await admin.request<Page<Key>>('GET', '/v1/admin/api-keys');
    const listed = list.body.items.find((k) => k.id === created.body.id);
    expect(listed).toEqual({ ...created.body, key: undefined });
    expect(JSON.stringify(list.body.items)).not.toContain(created.body.key);
    expect(Object.keys(listed ?? {}).sort()).toEqual([
      'createdAt',
      'id',
      'name',
      'prefix',
      'revokedAt',
      'role',
    ]);
  });

  it('a revoked key fails at once over HTTP, and its open SSE and Socket.IO streams end on every instance', async () => {
    const created = await admin.request<Key>('POST', '/v1/admin/api-keys', {
      body: { name: 'to revoke', role: 'user' },
    });
    const key = created.body.key ?? '';
    const user = new ApiClient(baseUrl, key);
    const sessionId = await user.createSession();
    const sse = new SseStream(`${baseUrl}/v1/sessions/${sessionId}/events`, {
      authorization: `Bearer ${key}`,
    });
    expect(await sse.status).toBe(200);
    const socket = new SessionSocket(urlB, { token: key });
    expect((await socket.join(sessionId)).ok).toBe(true);

    const revoked = await admin.request<Key>('DELETE', `/v1/admin/api-keys/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();

    const refused = await user.request<{ error: string }>('GET', `/v1/sessions/${sessionId}`);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('API_KEY_INVALID');
    await socket.waitFor(() => socket.disconnectReason !== undefined, 10_000, 'server disconnect');
    expect(socket.disconnectReason).toBe('io server disconnect');
    expect(socket.errors.map((f) => f.data.code)).toEqual(['API_KEY_INVALID']);
    const events = await sse.waitFor((all) => all.some((e) => e.event === 'error'), 10_000);
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({ code: 'API_KEY_INVALID' });
    sse.close();

    // Revoking twice is harmless; an unknown or malformed id is 404.
    expect((await admin.request('DELETE', `/v1/admin/api-keys/${created.body.id}`)).status).toBe(200);
    expect((await admin.request('DELETE', `/v1/admin/api-keys/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await admin.request('DELETE', '/v1/admin/api-keys/not-a-uuid')).status).toBe(404);
  });

  it("a revoked key's idle socket (no stream) is cut off with an error frame on another instance, and cannot join", async () => {
    const created = await admin.request<Key>('POST', '/v1/admin/api-keys', {
      body: { name: 'idle socket', role: 'user' },
    });
    const key = created.body.key ?? '';
    const sessionId = await new ApiClient(baseUrl, key).createSession();
    const idle = new SessionSocket(urlB, { token: key });
    await idle.waitFor(() => idle.socket.connected, 10_000, 'connect');

    expect((await admin.request('DELETE', `/v1/admin/api-keys/${created.body.id}`)).status).toBe(200);
    // A join sent right after the revocation: refused (never acknowledged ok), the socket is disconnected.
    let acked: JoinAck | undefined;
    idle.join(sessionId).then(
      (ack) => (acked = ack),
      () => undefined,
    );
    await idle.waitFor(() => idle.disconnectReason !== undefined, 10_000, 'server disconnect');
    expect(idle.disconnectReason).toBe('io server disconnect');
    expect(idle.errors.map((f) => f.data.code)).toEqual(['API_KEY_INVALID']);
    expect(acked?.ok ?? false).toBe(false);
    expect(idle.eventsOf(sessionId)).toEqual([]);

    // A new socket with the revoked key is refused at the handshake.
    const again = new SessionSocket(urlB, { token: key });
    await again.waitFor(() => again.disconnectReason !== undefined, 10_000, 'server disconnect');
    expect(again.errors.map((f) => f.data.code)).toEqual(['API_KEY_INVALID']);
  });

  it('over the per-key limit → 429 with Retry-After; other keys are not affected', async () => {
    const mint = async (name: string) =>
      (await admin.request<Key>('POST', '/v1/admin/api-keys', { body: { name, role: 'user' } })).body.key ??
      '';
    const limited = new ApiClient(urlB, await mint('limited'));
    const other = new ApiClient(urlB, await mint('other'));
    const statuses: number[] = [];
    let last: Awaited<ReturnType<ApiClient['request']>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await limited.request('GET', '/v1/sessions');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const retryAfter = Number(last?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(last?.body).toMatchObject({
      statusCode: 429,
      error: 'RATE_LIMITED',
      retryAfterSeconds: retryAfter,
    });
    expect((await other.request('GET', '/v1/sessions')).status).toBe(200);
  });
});
