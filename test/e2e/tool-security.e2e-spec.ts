import { Topics, type Envelope, type ToolCallBlocked, type ToolCallFinished } from '#soma/contracts';
import { ApiClient } from '#soma/client';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_ADMIN_KEY } from '../support/apps.js';
import { withDb } from '../support/db.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { drainSessions, sessionWithProfile } from '../support/sessions.js';
import { createTenant } from '../support/tenants.js';
import { toolRequest } from '../support/tool-requests.js';

interface RequeueItem {
  id: string;
  toolCallId: string;
  status: string;
  overridableBy: 'admin' | 'operator' | null;
  decision: { outcome: string; ruleIds: string[]; overridable?: boolean };
}

interface PolicySettings {
  egressHosts?: string[];
  allowedCidrs?: string[];
  allowedPorts?: number[];
  disabledTools?: string[];
  userApprovalTools?: string[];
}

/**
 * Tool security against the real gateway, executor, OPA, OpenFGA and sandbox, tried as an attacker with a
 * tenant admin key would: overrides of a deny, fetches aimed inside, one tenant flooding the executor.
 */
describe('tool security: final denies, fetches that cannot reach inside, fair slots, tool-time budget', () => {
  const gateway = inject('gatewayUrl');
  const operator = new ApiClient(gateway, TEST_ADMIN_KEY);
  const probe = new KafkaProbe();
  const sessions: { api: ApiClient; id: string }[] = [];

  const resultOf = async (toolCallId: string, timeoutMs = 60_000) =>
    (
      await probe.waitFor<ToolCallFinished>(
        (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === toolCallId,
        timeoutMs,
      )
    )[0] as Envelope<string, ToolCallFinished>;
  const blockedOf = async (toolCallId: string) =>
    (
      await probe.waitFor<ToolCallBlocked>(
        (topic, e) => topic === Topics.toolBlocked && e.payload.request.toolCallId === toolCallId,
        60_000,
      )
    )[0] as Envelope<string, ToolCallBlocked>;

  /** A session of the tenant whose tool-result turns are short (the operator manages model profiles). */
  async function shortSession(admin: ApiClient): Promise<string> {
    const { sessionId } = await sessionWithProfile(operator, { name: 'tool-security', maxTokens: 4 }, admin);
    sessions.push({ api: admin, id: sessionId });
    return sessionId;
  }

  /** A tenant of the test's own: its admin client, a user client and a session of its admin. */
  async function tenant(prefix: string) {
    const { tenantId, adminKey } = await createTenant(prefix);
    const admin = new ApiClient(gateway, adminKey);
    const userKey = await admin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: 'user', role: 'user' },
    });
    expect(userKey.status).toBe(201);
    const user = new ApiClient(gateway, userKey.body.key);
    const sessionId = await shortSession(admin);
    return { tenantId, admin, user, sessionId };
  }

  async function setPolicy(tenantId: string, settings: PolicySettings): Promise<void> {
    const put = await operator.request('PUT', `/v1/tenants/${tenantId}/policy`, {
      body: {
        egressHosts: [],
        allowedCidrs: [],
        allowedPorts: [80, 443],
        disabledTools: [],
        userApprovalTools: [],
        ...settings,
      },
    });
    expect(put.status).toBe(200);
  }

  async function call(api: ApiClient, sessionId: string, tool: string, args: Record<string, unknown>) {
    const response = await api.request<{ toolCallId: string }>(
      'POST',
      `/v1/sessions/${sessionId}/tool-calls`,
      {
        body: { tool, arguments: args },
      },
    );
    expect(response.status).toBe(202);
    return response.body.toolCallId;
  }

  async function itemOf(api: ApiClient, toolCallId: string): Promise<RequeueItem> {
    for (let i = 0; i < 100; i++) {
      const list = await api.request<{ items: RequeueItem[] }>('GET', '/v1/requeue?limit=100');
      const item = list.body.items.find((candidate) => candidate.toolCallId === toolCallId);
      if (item) return item;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`no requeue item for ${toolCallId}`);
  }

  beforeAll(async () => {
    await probe.start([Topics.toolResults, Topics.toolBlocked]);
  });

  afterAll(async () => {
    for (const { api, id } of sessions) await drainSessions(api, [id]);
    await probe.stop();
  });

  describe('decisions an admin may and may not override', () => {
    it('refuses a tenant admin’s (and the operator’s) override of the SSRF deny; the call never runs; it stays rejectable', async () => {
      const t = await tenant('ssrf');
      const toolCallId = await call(t.admin, t.sessionId, 'http.fetch', {
        url: 'http://169.254.169.254/latest/meta-data/',
      });
      const blocked = await blockedOf(toolCallId);
      expect(blocked.payload.decision.ruleIds).toContain('http.address_not_allowed');
      expect(blocked.payload.decision.overridable).toBe(false);
      const item = await itemOf(t.admin, toolCallId);
      expect(item).toMatchObject({ status: 'pending', overridableBy: null });
      for (const who of [t.admin, operator]) {
        const refused = await who.request<{ error: string }>('POST', `/v1/requeue/${item.id}/override`, {
          body: { reason: 'I want the metadata' },
        });
        expect(refused.status).toBe(409);
        expect(refused.body.error).toBe('REQUEUE_DECISION_FINAL');
      }
      const rejected = await t.admin.request('POST', `/v1/requeue/${item.id}/reject`, {
        body: { reason: 'refused by policy' },
      });
      expect(rejected.status).toBe(200);
      const row = await withDb(
        async (db) =>
          (
            await db.query<{ status: string; grants: string }>(
              `SELECT t.status, (SELECT count(*) FROM override_grants g WHERE g.tool_call_id = t.tool_call_id) AS grants
               FROM tool_calls t WHERE t.tool_call_id = $1`,
              [toolCallId],
            )
          ).rows[0],
      );
      expect(row).toEqual({ status: 'blocked', grants: '0' });
    });

    it('lets only the operator override an overridable deny (a secret in a note), and the call then runs once', async () => {
      const t = await tenant('secret-note');
      const toolCallId = await call(t.admin, t.sessionId, 'memory.write', {
        content: 'the staging password: hunter2',
      });
      const blocked = await blockedOf(toolCallId);
      expect(blocked.payload.decision.ruleIds).toEqual(['memory.no_secrets']);
      const item = await itemOf(t.admin, toolCallId);
      expect(item.overridableBy).toBe('operator');
      const byAdmin = await t.admin.request<{ error: string }>('POST', `/v1/requeue/${item.id}/override`, {
        body: { reason: 'it is a test password' },
      });
      expect(byAdmin.status).toBe(409);
      expect(byAdmin.body.error).toBe('REQUEUE_DECISION_FINAL');
      const byOperator = await operator.request('POST', `/v1/requeue/${item.id}/override`, {
        body: { reason: 'a test password, known to be harmless' },
      });
      expect(byOperator.status).toBe(200);
      const ran = await probe.waitFor<ToolCallFinished>(
        (topic, e) =>
          topic === Topics.toolResults && e.payload.toolCallId === toolCallId && e.payload.status === 'ok',
        60_000,
      );
      expect(ran).toHaveLength(1);
      const notes = await withDb(
        async (db) =>
          (await db.query('SELECT 1 FROM memory_notes WHERE session_id = $1', [t.sessionId])).rowCount,
      );
      expect(notes).toBe(1);
    });

    it('keeps a tool revoked for the tenant refused even with a grant: the executor asks OpenFGA again', async () => {
      const t = await tenant('revoked');
      // A user's high-risk call needs an admin's approval: an override the admin may give.
      const toolCallId = await call(t.user, t.sessionId, 'code.execute', {
        language: 'python',
        code: 'print("ran")',
      });
      const blocked = await blockedOf(toolCallId);
      expect(blocked.payload.decision.outcome).toBe('require_approval');
      const item = await itemOf(t.admin, toolCallId);
      expect(item.overridableBy).toBe('admin');
      // Meanwhile the operator revokes code.execute for the tenant.
      const revoked = await operator.request('PUT', `/v1/tenants/${t.tenantId}/tools`, {
        body: {
          tools: ['web.search', 'memory.write', 'memory.search', 'http.fetch'].map((tool) => ({
            tool,
            approvalRequired: false,
          })),
        },
      });
      expect(revoked.status).toBe(200);
      const override = await t.admin.request('POST', `/v1/requeue/${item.id}/override`, {
        body: { reason: 'approved before the revocation' },
      });
      expect(override.status).toBe(200);
      const again = await probe.waitFor<ToolCallBlocked>(
        (topic, e) =>
          topic === Topics.toolBlocked &&
          e.payload.request.toolCallId === toolCallId &&
          e.payload.request.grant !== undefined,
        60_000,
      );
      expect(again[0]?.payload.decision).toMatchObject({ outcome: 'deny', overridable: false });
      expect(again[0]?.payload.decision.ruleIds).toContain('fga.tenant_can_use');
      const stored = await withDb(
        async (db) =>
          (
            await db.query<{ status: string; used: boolean }>(
              `SELECT t.status, g.used_at IS NOT NULL AS used FROM tool_calls t
                 JOIN override_grants g ON g.tool_call_id = t.tool_call_id WHERE t.tool_call_id = $1`,
              [toolCallId],
            )
          ).rows[0],
      );
      // Blocked, and the grant was not spent: it never covered a deny.
      expect(stored).toEqual({ status: 'blocked', used: false });
    });
  });

  describe('http.fetch cannot reach inside', () => {
    let server: Server;
    let port = 0;
    let hits = 0;

    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/hostile') {
          // The largest page http.fetch keeps, made of what made the old regex quadratic.
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<'.repeat(512 * 1024));
          return;
        }
        hits++;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('internal service');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('refuses an allow-listed name that resolves to 127.0.0.1, and the port unless it is listed', async () => {
      const t = await tenant('rebind');
      await setPolicy(t.tenantId, { egressHosts: ['localhost'], allowedPorts: [port] });
      const inside = await call(t.admin, t.sessionId, 'http.fetch', {
        url: `http://localhost:${port}/metrics`,
      });
      const blocked = await blockedOf(inside);
      expect(blocked.payload.decision.ruleIds).toEqual(['http.address_not_allowed']);
      expect(blocked.payload.decision.reasons[0]).toMatch(/127\.0\.0\.1 \(loopback\)/);
      expect(blocked.payload.decision.overridable).toBe(false);
      // The operator opens loopback for this tenant, but not the port.
      await setPolicy(t.tenantId, { egressHosts: ['localhost'], allowedCidrs: ['127.0.0.0/8', '::1/128'] });
      const portBlocked = await blockedOf(
        await call(t.admin, t.sessionId, 'http.fetch', { url: `http://localhost:${port}/x` }),
      );
      expect(portBlocked.payload.decision.ruleIds).toEqual(['http.port_not_allowed']);
      expect(hits).toBe(0);
      // Both opened: the fetch goes to the checked address.
      await setPolicy(t.tenantId, {
        egressHosts: ['localhost'],
        allowedCidrs: ['127.0.0.0/8', '::1/128'],
        allowedPorts: [port],
      });
      const allowed = await resultOf(
        await call(t.admin, t.sessionId, 'http.fetch', { url: `http://localhost:${port}/ok` }),
      );
      expect(allowed.payload.status).toBe('ok');
      expect(allowed.payload.output).toMatchObject({ status: 200, text: 'internal service' });
      expect(hits).toBe(1);
    });

    it('turns a hostile 512 KiB page into text without stalling another tenant’s call', async () => {
      const fetcher = await tenant('hostile-page');
      const other = await tenant('bystander');
      await setPolicy(fetcher.tenantId, {
        egressHosts: ['127.0.0.1'],
        allowedCidrs: ['127.0.0.1/32'],
        allowedPorts: [port],
      });
      const page = await call(fetcher.admin, fetcher.sessionId, 'http.fetch', {
        url: `http://127.0.0.1:${port}/hostile`,
        maxBytes: 512 * 1024,
      });
      const quick = await call(other.admin, other.sessionId, 'code.execute', {
        language: 'python',
        code: 'print(2)',
      });
      const [fetched, ran] = await Promise.all([resultOf(page), resultOf(quick)]);
      // The regex version blocked the executor's event loop for 30 s to 2 min here: the fetch ended
      // TOOL_TIMEOUT and every other call waited. Now both simply finish.
      expect(fetched.payload).toMatchObject({ status: 'ok', output: { status: 200, bytes: 512 * 1024 } });
      expect(ran.payload).toMatchObject({ status: 'ok', output: { stdout: '2\n' } });
    });
  });

  describe('fair slots and the tool-time budget', () => {
    const sleeper = (tenantId: string, sessionId: string) =>
      toolRequest(tenantId, sessionId, 'code.execute', {
        language: 'python',
        code: 'import time\ntime.sleep(6)\nprint("slow")',
        timeoutMs: 10_000,
      });
    const isResultOf =
      (envelopes: Envelope<string, { toolCallId: string }>[]) => (topic: string, e: Envelope) =>
        topic === Topics.toolResults &&
        envelopes.some(
          (envelope) => envelope.payload.toolCallId === (e.payload as ToolCallFinished).toolCallId,
        );

    it('runs a call of another session while a long call runs (they used to wait behind it)', async () => {
      const t = await tenant('sessions');
      const otherSession = await shortSession(t.admin);
      const long = sleeper(t.tenantId, t.sessionId);
      await probe.publish(Topics.toolRequests, long);
      const quick = toolRequest(t.tenantId, otherSession, 'code.execute', {
        language: 'python',
        code: 'print(2)',
      });
      await probe.publish(Topics.toolRequests, quick);
      expect((await resultOf(quick.payload.toolCallId)).payload.status).toBe('ok');
      expect(probe.seen(isResultOf([long]))).toHaveLength(0);
      expect((await resultOf(long.payload.toolCallId)).payload.status).toBe('ok');
    });
    it('runs another session’s and another tenant’s calls while one tenant’s long calls hold its slots', async () => {
      const flooder = await tenant('flood');
      const other = await tenant('other');
      const long = Array.from({ length: 4 }, () => sleeper(flooder.tenantId, flooder.sessionId));
      for (const envelope of long) await probe.publish(Topics.toolRequests, envelope);
      const quick = toolRequest(other.tenantId, other.sessionId, 'code.execute', {
        language: 'python',
        code: 'print(2)',
      });
      await probe.publish(Topics.toolRequests, quick);
      const quickResult = await resultOf(quick.payload.toolCallId);
      expect(quickResult.payload.status).toBe('ok');
      // None of the flooder's calls had finished when the other tenant's quick call did.
      expect(probe.seen(isResultOf(long))).toHaveLength(0);
      const results = await Promise.all(
        long.map((envelope) => resultOf(envelope.payload.toolCallId, 90_000)),
      );
      expect(results.map((r) => r.payload.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    });

    it('refuses tool calls once the tenant’s daily tool seconds are used up: 429 BUDGET_EXCEEDED over HTTP', async () => {
      const t = await tenant('tool-budget');
      const set = await operator.request('PUT', `/v1/tenants/${t.tenantId}/budget`, {
        body: { dailyToolSeconds: 1 },
      });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ dailyToolSeconds: 1 });
      const first = await resultOf(
        await call(t.admin, t.sessionId, 'code.execute', {
          language: 'python',
          code: 'import time\ntime.sleep(1.2)',
        }),
      );
      expect(first.payload.status).toBe('ok');
      const refused = await t.admin.request<{ error: string; message: string }>(
        'POST',
        `/v1/sessions/${t.sessionId}/tool-calls`,
        { body: { tool: 'code.execute', arguments: { language: 'python', code: 'print(1)' } } },
      );
      expect(refused.status).toBe(429);
      expect(refused.body.error).toBe('BUDGET_EXCEEDED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // A call that reaches the executor another way (a model's) ends with the same code and never runs.
      const viaKafka = toolRequest(t.tenantId, t.sessionId, 'code.execute', {
        language: 'python',
        code: 'print(1)',
      });
      await probe.publish(Topics.toolRequests, viaKafka);
      const ended = await resultOf(viaKafka.payload.toolCallId);
      expect(ended.payload).toMatchObject({ status: 'error', error: { code: 'BUDGET_EXCEEDED' } });
      const usage = await t.admin.request<{ tools: { dailyToolSeconds: number; usedSecondsToday: number } }>(
        'GET',
        '/v1/usage',
      );
      expect(usage.body.tools.dailyToolSeconds).toBe(1);
      expect(usage.body.tools.usedSecondsToday).toBeGreaterThanOrEqual(1);
    });
  });
});
