import { ApiClient, type Page } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { sleep } from '../support/events.js';
import { createTenant } from '../support/tenants.js';

interface Decision {
  outcome: string;
  mode: string;
  ruleIds: string[];
  reasons: string[];
  attempt: number;
  decidedAt: string;
}

interface ToolCall {
  toolCallId: string;
  tool: string;
  arguments: Record<string, unknown>;
  requestedBy: string;
  status: string;
  output: unknown;
  error: { code: string; message: string } | null;
  decisions: Decision[];
  source: string | null;
  recordedFrom: string | null;
  completedAt: string | null;
}

interface PolicyStatus {
  mode: string;
  engines: Record<'opa' | 'openfga', { healthy: boolean; latencyMs: number; error: string | null }>;
  totals: { decisions: number; denied: number };
  recentDecisions: (Decision & { toolCallId: string; sessionId: string; tenantId: string })[];
  denialsByRule: { ruleId: string; count: number }[];
}

interface Session {
  id: string;
  title: string | null;
  modelProfileId: string | null;
  replay: { sourceSessionId: string; toolResults: string } | null;
}

describe('admin API: who am I, session filters, tool calls with decisions, policy status, replay sessions', () => {
  const baseUrl = inject('gatewayUrl');
  const admin = new ApiClient(baseUrl, inject('adminKey'));
  let user: ApiClient;

  /** Posts a user tool call and polls the public API until it has ended. */
  async function finishedCall(
    client: ApiClient,
    sessionId: string,
    tool: string,
    args: Record<string, unknown>,
  ): Promise<ToolCall> {
    const posted = await client.request<{ toolCallId: string }>(
      'POST',
      `/v1/sessions/${sessionId}/tool-calls`,
      {
        body: { tool, arguments: args },
      },
    );
    expect(posted.status).toBe(202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const calls = await client.request<Page<ToolCall>>('GET', `/v1/sessions/${sessionId}/tool-calls`);
      expect(calls.status).toBe(200);
      const call = calls.body.items.find((c) => c.toolCallId === posted.body.toolCallId);
      if (call && call.status !== 'running') return call;
      if (Date.now() > deadline) throw new Error(`tool call ${posted.body.toolCallId} did not end`);
      await sleep(200);
    }
  }

  beforeAll(async () => {
    const created = await admin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: `admin-api-user-${randomUUID().slice(0, 6)}`, role: 'user' },
    });
    expect(created.status).toBe(201);
    user = new ApiClient(baseUrl, created.body.key);
  });

  it('tells a key who it is: tenant, key, role, operator', async () => {
    const me = await admin.request<{ tenantId: string; keyId: string; role: string; operator: boolean }>(
      'GET',
      '/v1/me',
    );
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'admin', operator: true });
    const userMe = await user.request<{ tenantId: string; role: string; operator: boolean }>('GET', '/v1/me');
    expect(userMe.body).toMatchObject({ tenantId: me.body.tenantId, role: 'user', operator: false });
    expect((await new ApiClient(baseUrl, 'soma_not_a_key').request('GET', '/v1/me')).status).toBe(401);
  });

  it('filters sessions by title, model profile and creation time, and refuses a malformed filter', async () => {
    const marker = `filter-${randomUUID().slice(0, 8)}`;
    const before = new Date(Date.now() - 1000).toISOString();
    const a = await admin.request<{ id: string; modelProfileId: string }>('POST', '/v1/sessions', {
      body: { title: `${marker} Alpha` },
    });
    const b = await admin.request<{ id: string }>('POST', '/v1/sessions', {
      body: { title: `${marker} beta` },
    });
    await admin.request('POST', '/v1/sessions', { body: { title: 'unrelated' } });
    const byTitle = await admin.request<Page<Session>>(
      'GET',
      `/v1/sessions?title=${encodeURIComponent(marker.toUpperCase())}`,
    );
    expect(byTitle.status).toBe(200);
    expect(byTitle.body.items.map((s) => s.id).sort()).toEqual([a.body.id, b.body.id].sort());
    expect(byTitle.body.items[0]).toMatchObject({ modelProfileId: a.body.modelProfileId, replay: null });
    const alpha = await admin.request<Page<Session>>(
      'GET',
      `/v1/sessions?title=${marker}%20alpha&modelProfileId=${a.body.modelProfileId}&createdAfter=${before}`,
    );
    expect(alpha.body.items.map((s) => s.id)).toEqual([a.body.id]);
    const none = await admin.request<Page<Session>>(
      'GET',
      `/v1/sessions?title=${marker}&createdBefore=${before}`,
    );
    expect(none.body.items).toEqual([]);
    // `%` is a character, not a wildcard.
    expect((await admin.request<Page<Session>>('GET', `/v1/sessions?title=${marker}%25`)).body.items).toEqual(
      [],
    );
    const bad = await admin.request<{ error: string }>('GET', '/v1/sessions?createdAfter=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('VALIDATION_FAILED');
  });

  it('lists a session’s tool calls with their results and every policy decision, and the policy status', async () => {
    const sessionId = (await admin.request<{ id: string }>('POST', '/v1/sessions', { body: {} })).body.id;
    const allowed = await finishedCall(admin, sessionId, 'code.execute', {
      language: 'python',
      code: 'print(6 * 7)',
    });
    expect(allowed).toMatchObject({
      tool: 'code.execute',
      requestedBy: 'user',
      status: 'ok',
      source: 'sandbox',
    });
    expect(allowed.output).toMatchObject({ stdout: '42\n' });
    expect(allowed.decisions).toHaveLength(1);
    expect(allowed.decisions[0]).toMatchObject({ outcome: 'allow', mode: 'enforcing', attempt: 1 });

    // The same session through a user key: bash is for admins only.
    const denied = await finishedCall(user, sessionId, 'code.execute', { language: 'bash', code: 'id' });
    expect(denied).toMatchObject({ status: 'blocked', source: null });
    expect(denied.decisions[0]?.outcome).toBe('deny');
    expect(denied.decisions[0]?.ruleIds).toContain('code.bash_admin_only');
    expect(denied.decisions[0]?.reasons.length).toBeGreaterThan(0);

    const status = await admin.request<PolicyStatus>('GET', '/v1/policy/status?limit=200');
    expect(status.status).toBe(200);
    expect(status.body.mode).toBe('enforcing');
    expect(status.body.engines.opa).toMatchObject({ healthy: true, error: null });
    expect(status.body.engines.openfga).toMatchObject({ healthy: true, error: null });
    const recent = status.body.recentDecisions.find((d) => d.toolCallId === denied.toolCallId);
    expect(recent).toMatchObject({ sessionId, outcome: 'deny' });
    expect(recent?.ruleIds).toContain('code.bash_admin_only');
    const times = status.body.recentDecisions.map((d) => d.decidedAt);
    expect([...times].sort().reverse()).toEqual(times);
    const rule = status.body.denialsByRule.find((r) => r.ruleId === 'code.bash_admin_only');
    expect(rule?.count).toBeGreaterThanOrEqual(1);
    expect(status.body.totals.denied).toBeGreaterThanOrEqual(1);

    const refused = await user.request<{ error: string }>('GET', '/v1/policy/status');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('ADMIN_ROLE_REQUIRED');
    const tooMany = await admin.request<{ error: string }>('GET', '/v1/policy/status?limit=5000');
    expect(tooMany.status).toBe(400);
  });

  it('answers a replay session’s tool calls from the recording (once each), or runs them live', async () => {
    const source = (await admin.request<{ id: string }>('POST', '/v1/sessions', { body: {} })).body.id;
    const recorded = await finishedCall(admin, source, 'code.execute', {
      language: 'python',
      code: `print("${randomUUID()}")`,
    });
    expect(recorded.status).toBe('ok');

    const replay = await admin.request<{ id: string }>('POST', '/v1/sessions', {
      body: { title: 'replay', replay: { sourceSessionId: source, toolResults: 'recorded' } },
    });
    expect(replay.status).toBe(201);
    const listed = await admin.request<Session>('GET', `/v1/sessions/${replay.body.id}`);
    expect(listed.body.replay).toEqual({ sourceSessionId: source, toolResults: 'recorded' });

    // Other arguments, same tool: policy still decides, then the recorded result answers (nothing runs).
    const served = await finishedCall(admin, replay.body.id, 'code.execute', {
      language: 'python',
      code: 'print("this never runs")',
    });
    expect(served).toMatchObject({ status: 'ok', source: 'recorded', recordedFrom: recorded.toolCallId });
    expect(served.output).toEqual(recorded.output);
    expect(served.decisions[0]?.outcome).toBe('allow');
    const exhausted = await finishedCall(admin, replay.body.id, 'code.execute', {
      language: 'python',
      code: 'print(1)',
    });
    expect(exhausted).toMatchObject({ status: 'error', source: 'recorded', recordedFrom: null });
    expect(exhausted.error?.code).toBe('REPLAY_NOT_RECORDED');

    const live = await admin.request<{ id: string }>('POST', '/v1/sessions', {
      body: { replay: { sourceSessionId: source, toolResults: 'live' } },
    });
    const ran = await finishedCall(admin, live.body.id, 'code.execute', {
      language: 'python',
      code: 'print(5)',
    });
    expect(ran).toMatchObject({ status: 'ok', source: 'sandbox', recordedFrom: null });
    expect(ran.output).toMatchObject({ stdout: '5\n' });
  });

  it('refuses a replay of an unknown or foreign session, or with an unknown mode', async () => {
    const unknown = await admin.request<{ error: string }>('POST', '/v1/sessions', {
      body: { replay: { sourceSessionId: randomUUID(), toolResults: 'recorded' } },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('SESSION_NOT_FOUND');
    const source = (await admin.request<{ id: string }>('POST', '/v1/sessions', { body: {} })).body.id;
    const badMode = await admin.request<{ error: string }>('POST', '/v1/sessions', {
      body: { replay: { sourceSessionId: source, toolResults: 'sometimes' } },
    });
    expect(badMode.status).toBe(400);
    expect(badMode.body.error).toBe('VALIDATION_FAILED');
    const calls = await admin.request<{ error: string }>('GET', `/v1/sessions/${randomUUID()}/tool-calls`);
    expect(calls.status).toBe(404);
  });

  it('grants a new tenant the default tools in OpenFGA, and lets the operator change them', async () => {
    const tenant = await createTenant('grants');
    const tenantAdmin = new ApiClient(baseUrl, tenant.adminKey);
    const granted = await admin.request<Page<{ tool: string; approvalRequired: boolean }>>(
      'GET',
      `/v1/tenants/${tenant.tenantId}/tools`,
    );
    expect(granted.status).toBe(200);
    expect(granted.body.items.map((g) => g.tool)).toEqual([
      'code.execute',
      'http.fetch',
      'memory.search',
      'memory.write',
      'web.search',
    ]);
    const session = (await tenantAdmin.request<{ id: string }>('POST', '/v1/sessions', { body: {} })).body.id;
    const ran = await finishedCall(tenantAdmin, session, 'code.execute', {
      language: 'python',
      code: 'print(3)',
    });
    expect(ran.status).toBe('ok');

    // Only code.execute, and only with approval: OpenFGA now asks for it, and refuses web.search.
    const changed = await admin.request<{ tool: string; approvalRequired: boolean }[]>(
      'PUT',
      `/v1/tenants/${tenant.tenantId}/tools`,
      { body: { tools: [{ tool: 'code.execute', approvalRequired: true }] } },
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual([{ tool: 'code.execute', approvalRequired: true }]);
    // A grant change applies within about a second (OpenFGA's cache controller; the gate caches per input).
    const blockedSoon = async (tool: string, args: (n: number) => Record<string, unknown>) => {
      for (let n = 0; ; n += 1) {
        const call = await finishedCall(tenantAdmin, session, tool, args(n));
        if (call.status === 'blocked' || n >= 10) return call;
        await sleep(500);
      }
    };
    const gated = await blockedSoon('code.execute', (n) => ({ language: 'python', code: `print(${n})` }));
    expect(gated.status).toBe('blocked');
    expect(gated.decisions[0]).toMatchObject({
      outcome: 'require_approval',
      ruleIds: ['fga.needs_approval'],
    });
    const refused = await blockedSoon('web.search', (n) => ({ query: `soma ${n}` }));
    expect(refused.status).toBe('blocked');
    expect(refused.decisions[0]?.ruleIds).toContain('fga.tenant_can_use');

    const unknownTool = await admin.request<{ error: string }>(
      'PUT',
      `/v1/tenants/${tenant.tenantId}/tools`,
      {
        body: { tools: [{ tool: 'shell.root', approvalRequired: false }] },
      },
    );
    expect(unknownTool.status).toBe(400);
    expect(unknownTool.body.error).toBe('UNKNOWN_TOOL');
    const twice = await admin.request('PUT', `/v1/tenants/${tenant.tenantId}/tools`, {
      body: {
        tools: [
          { tool: 'web.search', approvalRequired: false },
          { tool: 'web.search', approvalRequired: true },
        ],
      },
    });
    expect(twice.status).toBe(400);
    expect((await admin.request('GET', `/v1/tenants/${randomUUID()}/tools`)).status).toBe(404);
    const notOperator = await tenantAdmin.request<{ error: string }>(
      'GET',
      `/v1/tenants/${tenant.tenantId}/tools`,
    );
    expect(notOperator.status).toBe(403);
    expect(notOperator.body.error).toBe('OPERATOR_REQUIRED');
  });
});
