import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ApiClient } from '#soma/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appEnv, ROOT, startApp, TEST_PORTS, type RunningApp } from '../support/apps.js';
import { createTenant } from '../support/tenants.js';

const form = (key: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ key }).toString(),
  redirect: 'manual' as const,
});

/** Signs in to the API docs; the Set-Cookie header as sent. */
async function signIn(url: string, key: string, headers: Record<string, string> = {}): Promise<string> {
  const init = form(key);
  const response = await fetch(`${url}/docs/sign-in`, { ...init, headers: { ...init.headers, ...headers } });
  expect(response.status).toBe(303);
  return response.headers.get('set-cookie') ?? '';
}

const docsJson = async (url: string, cookie: string): Promise<number> =>
  (await fetch(`${url}/docs-json`, { headers: { cookie: cookie.split(';')[0] ?? '' } })).status;

describe('Exposure: operations off the public port, docs sessions, the bootstrap key', () => {
  const baseUrl = inject('gatewayUrl');
  const opsUrl = inject('gatewayOpsUrl');

  it('serves /metrics and /health/ready on the operations port only, in any spelling', async () => {
    for (const path of [
      '/metrics',
      '/METRICS',
      '/metrics/',
      '/health/ready',
      '/Health/Ready',
      '/metrics?x=1',
    ]) {
      const response = await fetch(`${baseUrl}${path}`);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: string }).error, path).toBe('NOT_FOUND');
    }
    expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);

    const metrics = await fetch(`${opsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^process_resident_memory_bytes\{[^}]*app="gateway"/m);
    expect((await fetch(`${opsUrl}/health/ready`)).status).toBe(200);
    // The operations port serves nothing else: not the API, not the docs, no other method.
    for (const path of ['/v1/me', '/docs-json', '/asyncapi.json', '/']) {
      expect((await fetch(`${opsUrl}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${opsUrl}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('a docs sign-in keeps a session id, never the key; revoking the key or signing out ends it', async () => {
    const tenant = await createTenant('docs-session');
    const admin = new ApiClient(baseUrl, tenant.adminKey);
    const second = await admin.request<{ id: string; key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: 'docs reader', role: 'admin' },
    });
    expect(second.status).toBe(201);

    const cookie = await signIn(baseUrl, second.body.key);
    expect(cookie).toMatch(
      /^soma_docs_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    expect(cookie).not.toContain(second.body.key);
    expect(cookie).not.toContain(encodeURIComponent(second.body.key));
    expect(cookie).not.toMatch(/Secure/); // plain HTTP here
    expect(await docsJson(baseUrl, cookie)).toBe(200);
    // A made-up or tampered session id is no session.
    const forged = cookie.replace(/=([A-Za-z0-9_-])/, (_, c: string) => `=${c === 'A' ? 'B' : 'A'}`);
    expect(await docsJson(baseUrl, forged)).toBe(401);
    expect(await docsJson(baseUrl, `soma_docs_session=${second.body.key}`)).toBe(401);

    expect((await admin.request('DELETE', `/v1/admin/api-keys/${second.body.id}`)).status).toBe(200);
    expect(await docsJson(baseUrl, cookie)).toBe(401);

    const again = await signIn(baseUrl, tenant.adminKey);
    expect(await docsJson(baseUrl, again)).toBe(200);
    const out = await fetch(`${baseUrl}/docs/sign-out`, {
      method: 'POST',
      headers: { cookie: again.split(';')[0] ?? '' },
      redirect: 'manual',
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^soma_docs_session=; .*Max-Age=0/);
    expect(await docsJson(baseUrl, again)).toBe(401);
  });

  describe('behind a TLS-terminating proxy (SOMA_TRUST_PROXY)', () => {
    let proxied: RunningApp;
    let proxiedUrl: string;

    beforeAll(async () => {
      const port = TEST_PORTS.requeue + 4;
      proxied = await startApp('gateway', {
        port,
        env: { SOMA_INSTANCE_ID: 'gw-proxied', SOMA_TRUST_PROXY: 'loopback' },
        logSuffix: '-proxied',
      });
      proxiedUrl = `http://127.0.0.1:${port}`;
    });

    afterAll(async () => {
      await proxied.stop();
    });

    it('marks the docs cookie Secure when the request came over TLS, and only when the proxy is trusted', async () => {
      const key = inject('adminKey');
      expect(await signIn(proxiedUrl, key, { 'x-forwarded-proto': 'https' })).toMatch(/; Secure$/);
      expect(await signIn(proxiedUrl, key)).not.toMatch(/Secure/);
      // The default gateway trusts no proxy: a client cannot claim TLS it did not use... nor get a Secure
      // cookie its plain-HTTP browser would never send back.
      expect(await signIn(baseUrl, key, { 'x-forwarded-proto': 'https' })).not.toMatch(/Secure/);
    });
  });

  it('refuses to boot with a bootstrap admin key shorter than 32 characters', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'gateway', 'src', 'main.js')], {
      cwd: ROOT,
      env: appEnv({
        SOMA_ADMIN_API_KEY: 'admin-admin-admin',
        SOMA_GATEWAY_PORT: String(TEST_PORTS.requeue + 5),
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('SOMA_ADMIN_API_KEY must be at least 32 characters (got 17)');
  });
});
