import { ApiClient, type AuditChainEvent, type AuditChainPage } from '#soma/client';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { appEnv, ROOT } from '../support/apps.js';
import { jsonOf, runCli, type CliResult } from '../support/cli.js';
import { withDb, withOwnerDb } from '../support/db.js';

interface ErrorBody {
  error: string;
  message: string;
}
interface Key {
  id: string;
  role: string;
  key?: string;
  revokedAt: string | null;
}
interface Tenant {
  id: string;
  name: string;
  adminKey: string;
}
interface VerifySummary {
  chain: string;
  ok: boolean;
  events: number;
  head: string;
}

/** `npm run admin:recover -- <args>`, the real host command, with the infrastructure's environment. */
function recover(args: string[]): Promise<CliResult> {
  const child = spawn('npm', ['run', '--silent', 'admin:recover', '--', ...args], {
    cwd: ROOT,
    env: appEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => {
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** Tenants, keys and chains, all through the real gateway; the chain read page by page. */
describe('audit trail: complete, hash-chained, not rewritable by the apps; no admin lockout', () => {
  const baseUrl = inject('gatewayUrl');
  const operatorKey = inject('adminKey');
  const operator = new ApiClient(baseUrl, operatorKey);
  const cli = (key: string, args: string[]) =>
    runCli(['audit', 'verify', '--json', ...args], { SOMA_URL: baseUrl, SOMA_API_KEY: key });

  const newTenant = async (prefix: string): Promise<Tenant> => {
    const created = await operator.request<Tenant>('POST', '/v1/tenants', {
      body: { name: `${prefix}-${randomUUID()}` },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };

  const chainOf = async (client: ApiClient, tenantId?: string): Promise<AuditChainEvent[]> => {
    const events: AuditChainEvent[] = [];
    let after = 0;
    for (;;) {
      const query = new URLSearchParams({ after: String(after), limit: '7' });
      if (tenantId) query.set('tenantId', tenantId);
      const page = await client.request<AuditChainPage>('GET', `/v1/audit-events/chain?${query.toString()}`);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      events.push(...page.body.items);
      if (page.body.next === null) return events;
      after = page.body.next;
    }
  };

  const newAdminKey = async (client: ApiClient, name: string): Promise<Key & { key: string }> => {
    const created = await client.request<Key & { key: string }>('POST', '/v1/admin/api-keys', {
      body: { name, role: 'admin' },
    });
    expect(created.status).toBe(201);
    return created.body;
  };

  it("the tenant's last active admin key cannot be revoked (409 API_KEY_LAST_ADMIN), and nothing is audited", async () => {
    const tenant = await newTenant('last-admin');
    const admin = new ApiClient(baseUrl, tenant.adminKey);
    const keys = await admin.request<{ items: Key[] }>('GET', '/v1/admin/api-keys');
    const first = keys.body.items.find((k) => k.role === 'admin');
    if (!first) throw new Error('no first admin key');
    const refused = await admin.request<ErrorBody>('DELETE', `/v1/admin/api-keys/${first.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('API_KEY_LAST_ADMIN');
    expect((await admin.request('GET', '/v1/me')).status).toBe(200);

    // With a second admin key the first can go; then the second is the last one.
    const second = await newAdminKey(admin, 'second admin');
    expect((await admin.request('DELETE', `/v1/admin/api-keys/${first.id}`)).status).toBe(200);
    const secondClient = new ApiClient(baseUrl, second.key);
    const last = await secondClient.request<ErrorBody>('DELETE', `/v1/admin/api-keys/${second.id}`);
    expect(last.status).toBe(409);
    expect(last.body.error).toBe('API_KEY_LAST_ADMIN');
    // A user key never counts as an admin key, and revoking one is fine.
    const user = await secondClient.request<Key>('POST', '/v1/admin/api-keys', {
      body: { name: 'user', role: 'user' },
    });
    expect((await secondClient.request('DELETE', `/v1/admin/api-keys/${user.body.id}`)).status).toBe(200);
    expect(
      (await secondClient.request<ErrorBody>('DELETE', `/v1/admin/api-keys/${second.id}`)).body.error,
    ).toBe('API_KEY_LAST_ADMIN');

    const revoked = (await chainOf(secondClient)).filter((e) => e.action === 'api_key.revoked');
    expect(revoked.map((e) => e.subjectId).sort()).toEqual([first.id, user.body.id].sort());
  });

  it('two concurrent revocations of the last two admin keys never both succeed', async () => {
    for (let round = 0; round < 6; round++) {
      const tenant = await newTenant('revoke-race');
      const a = new ApiClient(baseUrl, tenant.adminKey);
      const second = await newAdminKey(a, 'b');
      const b = new ApiClient(baseUrl, second.key);
      const firstId = (await a.request<{ items: Key[] }>('GET', '/v1/admin/api-keys')).body.items.find(
        (k) => k.id !== second.id,
      )?.id;
      if (!firstId) throw new Error('no first key');
      // Each key revokes the other, at once.
      const [ra, rb] = await Promise.all([
        a.request<ErrorBody>('DELETE', `/v1/admin/api-keys/${second.id}`),
        b.request<ErrorBody>('DELETE', `/v1/admin/api-keys/${firstId}`),
      ]);
      const statuses = [ra.status, rb.status];
      expect(
        statuses.filter((s) => s === 200),
        JSON.stringify([ra.body, rb.body]),
      ).toHaveLength(1);
      // The loser either saw the last-admin rule or had its own key revoked under it.
      for (const r of [ra, rb]) if (r.status !== 200) expect([401, 409]).toContain(r.status);
      const active = await withDb(async (db) => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = $1 AND role = 'admin' AND revoked_at IS NULL`,
          [tenant.id],
        );
        return rows[0]?.n;
      });
      expect(active).toBe(1);
    }
  });

  it('npm run admin:recover issues a working admin key, audited as operator:recovery; unknown tenants refused', async () => {
    const tenant = await newTenant('recover');
    const recovered = await recover(['--tenant', tenant.name]);
    expect(recovered.code, recovered.stderr).toBe(0);
    const key = recovered.stdout
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.startsWith('soma_'));
    if (!key) throw new Error(`no key in: ${recovered.stdout}`);
    const me = await new ApiClient(baseUrl, key).request<{ tenantId: string; role: string }>('GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ tenantId: tenant.id, role: 'admin' });
    const event = (await chainOf(operator, tenant.id)).find((e) => e.action === 'api_key.recovered');
    expect(event).toMatchObject({ actorRole: 'operator:recovery', actorKeyId: null, subjectType: 'api_key' });

    const unknown = await recover(['--tenant', `no-such-tenant-${randomUUID()}`]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no tenant named/);
    expect(unknown.stdout).not.toMatch(/soma_/);
    const usage = await recover([]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--tenant <name> is required/);
  });

  it('every admin and operator action is an event in its chain, and soma audit verify recomputes it', async () => {
    const tenant = await newTenant('audited');
    const admin = new ApiClient(baseUrl, tenant.adminKey);
    const ok = (status: number, body: unknown) => {
      expect([200, 201, 204], JSON.stringify(body)).toContain(status);
    };
    const step = async (client: ApiClient, method: string, path: string, body?: unknown) => {
      const response = await client.request<{ id?: string }>(
        method,
        path,
        body === undefined ? {} : { body },
      );
      ok(response.status, response.body);
      return response.body;
    };
    await step(operator, 'PUT', `/v1/tenants/${tenant.id}/tools`, {
      tools: [{ tool: 'code.execute', approvalRequired: true }],
    });
    await step(operator, 'PUT', `/v1/tenants/${tenant.id}/budget`, { dailyTokenBudget: 5000 });
    await step(operator, 'PUT', `/v1/tenants/${tenant.id}/policy`, {
      egressHosts: ['example.org'],
      reason: 'audit walk',
    });
    const key = await step(admin, 'POST', '/v1/admin/api-keys', { name: 'walk', role: 'user' });
    await step(admin, 'DELETE', `/v1/admin/api-keys/${key.id ?? ''}`);
    const hook = await step(admin, 'POST', '/v1/webhooks', {
      url: 'http://127.0.0.77:9/audit-walk',
      eventTypes: ['turn.completed'],
    });
    await step(admin, 'DELETE', `/v1/webhooks/${hook.id ?? ''}`);

    const chain = await chainOf(admin);
    expect(chain.map((e) => e.action)).toEqual([
      'tenant.created',
      'api_key.created',
      'tenant.tools.updated',
      'tenant.tools.updated',
      'tenant.budget.updated',
      'tenant.policy.updated',
      'api_key.created',
      'api_key.revoked',
      'webhook.registered',
      'webhook.deleted',
    ]);
    expect(chain.map((e) => e.seq)).toEqual(chain.map((_, i) => i + 1));
    expect(chain.every((e) => e.tenantId === tenant.id)).toBe(true);
    expect(chain.slice(0, 6).every((e) => e.actorRole === 'operator')).toBe(true);
    expect(chain.slice(6).every((e) => e.actorRole === 'admin')).toBe(true);
    // No secret in the trail: the webhook's signing secret and keys' clear text are never stored.
    expect(JSON.stringify(chain)).not.toMatch(/soma_[A-Za-z0-9_-]{20,}|whsec/);

    // The platform's chain: model profiles.
    const before = (await chainOf(operator, 'platform')).length;
    const profile = await step(operator, 'POST', '/v1/model-profiles', {
      name: `audited-${randomUUID()}`,
      provider: 'local',
      model: 'smollm2',
    });
    await step(operator, 'PATCH', `/v1/model-profiles/${profile.id ?? ''}`, { temperature: 0.2 });
    await step(operator, 'DELETE', `/v1/model-profiles/${profile.id ?? ''}`);
    const platform = (await chainOf(operator, 'platform')).slice(before);
    expect(platform.map((e) => [e.action, e.subjectId, e.tenantId])).toEqual([
      ['model_profile.created', profile.id, null],
      ['model_profile.updated', profile.id, null],
      ['model_profile.deleted', profile.id, null],
    ]);

    // Verified by the CLI: the tenant admin its own chain, the operator any chain and the platform's.
    const own = await cli(tenant.adminKey, []);
    expect(own.code, own.stderr).toBe(0);
    expect(jsonOf<VerifySummary>(own)).toMatchObject({ chain: tenant.id, ok: true, events: chain.length });
    expect(jsonOf<VerifySummary>(own).head).toBe(chain.at(-1)?.hash);
    const byOperator = await cli(operatorKey, ['--tenant', tenant.id]);
    expect(byOperator.code, byOperator.stderr).toBe(0);
    const ofPlatform = await cli(operatorKey, ['--tenant', 'platform']);
    expect(ofPlatform.code, ofPlatform.stderr).toBe(0);
    expect(jsonOf<VerifySummary>(ofPlatform).events).toBeGreaterThanOrEqual(3);
    const human = await runCli(['audit', 'verify'], { SOMA_URL: baseUrl, SOMA_API_KEY: tenant.adminKey });
    expect(human.stdout).toMatch(new RegExp(`audit chain ${tenant.id}: ${chain.length} events verified`));
    // A tenant admin reads no other chain.
    for (const other of ['platform', randomUUID()]) {
      const refused = await cli(tenant.adminKey, ['--tenant', other]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/AUDIT_CHAIN_NOT_FOUND \(HTTP 404\)/);
    }
    const bad = await admin.request<ErrorBody>('GET', '/v1/audit-events/chain?after=-1');
    expect(bad.status).toBe(400);
    expect((await admin.request<ErrorBody>('GET', '/v1/audit-events/chain?tenantId=nope')).status).toBe(400);
  });

  it('a change and its event commit together: a refused change leaves no event, a failed event no change', async () => {
    const tenant = await newTenant('atomic');
    const admin = new ApiClient(baseUrl, tenant.adminKey);
    const length = async () => (await chainOf(admin)).length;
    const start = await length();
    const taken = await operator.request<ErrorBody>('POST', '/v1/tenants', { body: { name: tenant.name } });
    expect(taken.status).toBe(409);
    expect(await length()).toBe(start);

    // The owner makes every audit write of this tenant fail: the budget change must not happen either.
    const constraint = `test_block_${randomUUID().replaceAll('-', '')}`;
    await withOwnerDb((db) =>
      db.query(
        `ALTER TABLE audit_events ADD CONSTRAINT ${constraint} CHECK (tenant_id IS DISTINCT FROM '${tenant.id}'::uuid) NOT VALID`,
      ),
    );
    try {
      const failed = await operator.request('PUT', `/v1/tenants/${tenant.id}/budget`, {
        body: { dailyTokenBudget: 7 },
      });
      expect(failed.status).toBe(500);
      const failedKey = await admin.request('POST', '/v1/admin/api-keys', {
        body: { name: 'x', role: 'user' },
      });
      expect(failedKey.status).toBe(500);
    } finally {
      await withOwnerDb((db) => db.query(`ALTER TABLE audit_events DROP CONSTRAINT ${constraint}`));
    }
    const stored = await withDb(async (db) => {
      const budgets = await db.query(`SELECT 1 FROM tenant_budgets WHERE tenant_id = $1`, [tenant.id]);
      const keys = await db.query(`SELECT 1 FROM api_keys WHERE tenant_id = $1 AND name = 'x'`, [tenant.id]);
      return { budgets: budgets.rowCount, keys: keys.rowCount };
    });
    expect(stored).toEqual({ budgets: 0, keys: 0 });
    expect(await length()).toBe(start);
  });

  it('concurrent audited actions of one tenant keep its chain linear', async () => {
    const tenant = await newTenant('concurrent');
    const admin = new ApiClient(baseUrl, tenant.adminKey);
    const start = (await chainOf(admin)).length;
    const results = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) =>
        operator.request('PUT', `/v1/tenants/${tenant.id}/budget`, { body: { dailyTokenBudget: 1000 + i } }),
      ),
      ...Array.from({ length: 8 }, (_, i) =>
        admin.request('POST', '/v1/admin/api-keys', { body: { name: `c${i}`, role: 'user' } }),
      ),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([
      ...Array.from({ length: 8 }, () => 200),
      ...Array.from({ length: 8 }, () => 201),
    ]);
    const chain = await chainOf(admin);
    expect(chain).toHaveLength(start + 16);
    expect(chain.map((e) => e.seq)).toEqual(chain.map((_, i) => i + 1));
    const verified = await cli(tenant.adminKey, []);
    expect(verified.code, verified.stderr).toBe(0);
    expect(jsonOf<VerifySummary>(verified).events).toBe(start + 16);
  });

  it('an event edited by the owner (trigger off) breaks verification, naming the first broken event', async () => {
    const tenant = await newTenant('tamper');
    const admin = new ApiClient(baseUrl, tenant.adminKey);
    for (const i of [1, 2, 3])
      expect(
        (await admin.request('POST', '/v1/admin/api-keys', { body: { name: `k${i}`, role: 'user' } })).status,
      ).toBe(201);
    const chain = await chainOf(admin);
    expect((await cli(tenant.adminKey, [])).code).toBe(0);
    const victim = chain[2];
    if (!victim) throw new Error('chain too short');
    const tamper = (sql: string) =>
      withOwnerDb(async (db) => {
        await db.query('BEGIN');
        await db.query('ALTER TABLE audit_events DISABLE TRIGGER tr_audit_events_append_only');
        await db.query(sql, [victim.id]);
        await db.query('ALTER TABLE audit_events ENABLE TRIGGER tr_audit_events_append_only');
        await db.query('COMMIT');
      });
    // The trigger still stops the owner when it is on.
    await expect(
      withOwnerDb((db) => db.query(`UPDATE audit_events SET reason = 'x' WHERE id = $1`, [victim.id])),
    ).rejects.toThrow(/append-only/);

    await tamper(`UPDATE audit_events SET detail = detail || '{"role":"admin"}' WHERE id = $1`);
    const edited = await cli(tenant.adminKey, []);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain(`broken at seq ${victim.seq} (event ${victim.id}`);
    expect(edited.stderr).toMatch(/hash does not match/);
    expect((await cli(operatorKey, ['--tenant', tenant.id])).code).toBe(1);

    // Removing the event instead: the next one is named.
    await tamper(`DELETE FROM audit_events WHERE id = $1`);
    const removed = await cli(tenant.adminKey, []);
    expect(removed.code).toBe(1);
    expect(removed.stderr).toContain(`broken at seq ${victim.seq + 1}`);
  });

  it("the apps' role reads and appends audit events but cannot update, delete, truncate, alter or drop them", async () => {
    await withDb(async (db) => {
      const { rows } = await db.query<{ role: string }>('SELECT current_user AS role');
      expect(rows[0]?.role).toBe('soma_app');
      expect((await db.query('SELECT id FROM audit_events LIMIT 1')).rowCount).toBeGreaterThanOrEqual(0);
      for (const sql of [
        `UPDATE audit_events SET reason = 'rewritten'`,
        `DELETE FROM audit_events`,
        `TRUNCATE audit_events`,
        `DROP TRIGGER tr_audit_events_append_only ON audit_events`,
        `ALTER TABLE audit_events DISABLE TRIGGER tr_audit_events_append_only`,
        `ALTER TABLE audit_events DROP COLUMN hash`,
        `DROP TABLE audit_events`,
        `CREATE TABLE audit_events_copy (id uuid)`,
      ]) {
        await expect(db.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
      // A grant to itself is a no-op for a role that owns nothing (PostgreSQL only warns).
      await db.query(`GRANT UPDATE, DELETE ON audit_events TO soma_app`);
      const { rows: can } = await db.query<{ update: boolean; delete: boolean; truncate: boolean }>(
        `SELECT has_table_privilege('audit_events', 'UPDATE') AS update,
           has_table_privilege('audit_events', 'DELETE') AS delete,
           has_table_privilege('audit_events', 'TRUNCATE') AS truncate`,
      );
      expect(can[0]).toEqual({ update: false, delete: false, truncate: false });
    });
  });
});
