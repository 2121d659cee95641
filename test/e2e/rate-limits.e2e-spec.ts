import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '#soma/client';
import { startApp, TEST_PORTS, type RunningApp } from '../support/apps.js';
import { SessionSocket } from '../support/socket-client.js';
import { createTenant } from '../support/tenants.js';

/** `count` requests, `concurrency` at a time; the statuses in completion order and the responses. */
async function flood(
  count: number,
  concurrency: number,
  send: (i: number) => Promise<Response>,
): Promise<Response[]> {
  const responses: Response[] = [];
  for (let i = 0; i < count; i += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - i) }, (_, j) => send(i + j));
    responses.push(...(await Promise.all(batch)));
  }
  await Promise.all(responses.map(async (r) => r.body?.cancel()));
  return responses;
}

const tally = (responses: Response[]): Record<number, number> => {
  const counts: Record<number, number> = {};
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
};

describe('rate limits without holes: any letter case, per key, tenant and IP, Socket.IO, docs sign-in', () => {
  let gateway: RunningApp;
  let url: string;
  const limits = { key: 100, tenant: 150, ip: 50, signIn: 5, connections: 10, events: 20 };
  const adminKey = inject('adminKey');

  beforeAll(async () => {
    // Its own instance with low limits, and a window length no other instance uses (so its own buckets).
    const port = TEST_PORTS.requeue + 3;
    gateway = await startApp('gateway', {
      port,
      env: {
        SOMA_INSTANCE_ID: 'gw-limits',
        SOMA_RATE_LIMIT_WINDOW_SECONDS: '45',
        SOMA_RATE_LIMIT_REQUESTS: String(limits.key),
        SOMA_RATE_LIMIT_TENANT_REQUESTS: String(limits.tenant),
        SOMA_RATE_LIMIT_IP_REQUESTS: String(limits.ip),
        SOMA_RATE_LIMIT_SIGN_IN_REQUESTS: String(limits.signIn),
        SOMA_RATE_LIMIT_SOCKET_CONNECTIONS: String(limits.connections),
        SOMA_RATE_LIMIT_SOCKET_EVENTS: String(limits.events),
      },
      logSuffix: '-limits',
    });
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await gateway.stop();
  });

  const mint = async (admin: ApiClient, name: string): Promise<string> => {
    const created = await admin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name, role: 'user' },
    });
    expect(created.status).toBe(201);
    return created.body.key;
  };

  it('1,300 GET /V1/me with one key (any letter case): 429 with Retry-After after the per-key limit', async () => {
    const { adminKey: tenantAdmin } = await createTenant('limits-case');
    const key = await mint(new ApiClient(url, tenantAdmin), 'case');
    const paths = ['/V1/me', '/v1/ME', '/V1/Me'];
    const responses = await flood(1300, 25, (i) =>
      fetch(`${url}${paths[i % 3] ?? ''}`, { headers: { authorization: `Bearer ${key}` } }),
    );
    expect(tally(responses)).toEqual({ 200: limits.key, 429: 1300 - limits.key });
    for (const r of responses) expect(r.headers.get('x-ratelimit-limit')).toBe(String(limits.key));
    const refused = responses.filter((r) => r.status === 429);
    for (const r of refused) {
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(45);
    }
    const last = await fetch(`${url}/V1/ME`, { headers: { authorization: `Bearer ${key}` } });
    expect(last.status).toBe(429);
    expect(await last.json()).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED', scope: 'key' });
  });

  it('per tenant: the keys of one tenant share a ceiling; another tenant is not affected', async () => {
    const { adminKey: tenantAdmin } = await createTenant('limits-tenant');
    const admin = new ApiClient(url, tenantAdmin);
    // Three keys, each under its own limit; the three mints count against the tenant too.
    const keys = [await mint(admin, 'a'), await mint(admin, 'b'), await mint(admin, 'c')];
    const responses = await flood(200, 20, (i) =>
      fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${keys[i % 3] ?? ''}` } }),
    );
    expect(tally(responses)).toEqual({ 200: limits.tenant - 3, 429: 200 - (limits.tenant - 3) });
    const refused = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${keys[0] ?? ''}` } });
    expect(await refused.json()).toMatchObject({ error: 'RATE_LIMITED', scope: 'tenant' });
    const other = await createTenant('limits-other');
    expect(
      (await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${other.adminKey}` } })).status,
    ).toBe(200);
  });

  it('Socket.IO: joins and other events are counted per key, connections per client IP; refused with an error frame', async () => {
    const { adminKey: tenantAdmin } = await createTenant('limits-socket');
    const key = await mint(new ApiClient(url, tenantAdmin), 'socket');
    const sessionId = await new ApiClient(url, key).createSession();
    const socket = new SessionSocket(url, { token: key });
    const acks = [];
    for (let i = 0; i < limits.events + 5; i++) acks.push(await socket.join(sessionId));
    expect(acks.filter((a) => a.ok)).toHaveLength(limits.events);
    const refused = acks.filter((a) => !a.ok);
    expect(refused).toHaveLength(5);
    for (const ack of refused) if (!ack.ok) expect(ack.error.code).toBe('RATE_LIMITED');
    expect(socket.errors.map((f) => f.data.code)).toEqual(Array<string>(5).fill('RATE_LIMITED'));
    expect(socket.socket.connected).toBe(true);
    socket.close();

    // One connection used above; the next ones until the limit connect, the rest get RATE_LIMITED and are cut off.
    const sockets = Array.from(
      { length: limits.connections + 3 },
      () => new SessionSocket(url, { token: key }),
    );
    await Promise.all(
      sockets.map((s) =>
        s.waitFor(() => s.socket.connected || s.disconnectReason !== undefined, 10_000, 'connect or refusal'),
      ),
    );
    const deadline = Date.now() + 10_000;
    while (sockets.filter((s) => s.disconnectReason !== undefined).length < 3 + 1 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    // Give a fifth refusal (which must not come) the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cutOff = sockets.filter((s) => s.disconnectReason === 'io server disconnect');
    expect(cutOff).toHaveLength(4);
    for (const s of cutOff) expect(s.errors.map((f) => f.data.code)).toEqual(['RATE_LIMITED']);
    for (const s of sockets) s.close();
  });

  it('/docs/sign-in is limited per client IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < limits.signIn + 2; i++) {
      const response = await fetch(`${url}/docs/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `key=soma_wrong_${i}`,
        redirect: 'manual',
      });
      await response.body?.cancel();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array<number>(limits.signIn).fill(401), 429, 429]);
    // The real admin key is refused too while the window lasts: the limit is counted before the key is read.
    const signIn = await fetch(`${url}/docs/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `key=${adminKey}`,
      redirect: 'manual',
    });
    expect(signIn.status).toBe(429);
    expect(Number(signIn.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  // Last: it fills this client IP's bucket for the rest of the window.
  it('1,000 requests with random invalid keys from one client: 401 until the per-IP limit, then 429', async () => {
    const responses = await flood(1000, 25, () =>
      fetch(`${url}/v1/me`, { headers: { authorization: `Bearer soma_${crypto.randomUUID()}` } }),
    );
    // The failed docs sign-ins above were failed authentications from this IP too.
    const left = limits.ip - limits.signIn;
    expect(tally(responses)).toEqual({ 401: left, 429: 1000 - left });
    const noKey = await fetch(`${url}/v1/sessions`);
    expect(noKey.status).toBe(429);
    expect(await noKey.json()).toMatchObject({ error: 'RATE_LIMITED', scope: 'ip' });
    // A valid key is not refused by the IP's failures: it has its own buckets.
    expect((await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${adminKey}` } })).status).toBe(
      200,
    );
  });
});
