import { ApiClient } from '#soma/client';
import { Topics, type ToolCallBlocked, type ToolCallFinished } from '#soma/contracts';
import { loadConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jsonOf, runCli } from '../support/cli.js';
import { withDb } from '../support/db.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { drainSessions, sessionWithProfile } from '../support/sessions.js';
import { createTenant } from '../support/tenants.js';
import { toolRequest } from '../support/tool-requests.js';

interface PolicyBody {
  egressHosts: string[];
  allowedCidrs: string[];
  allowedPorts: number[];
  disabledTools: string[];
  userApprovalTools: string[];
  updatedAt: string | null;
  updatedBy: string | null;
}

interface ErrorBody {
  error: string;
  message: string;
  fields?: { field: string; errors: string[] }[];
}

const opaUrl = loadConfig().opaUrl;

/** Tenant policy settings through the API: stored in PostgreSQL, audited, and in force in OPA. */
describe('tenant policy settings (GET/PUT /v1/tenants/{id}/policy)', () => {
  const baseUrl = inject('gatewayUrl');
  const operator = new ApiClient(baseUrl, inject('adminKey'));
  const probe = new KafkaProbe();
  let tenantId = '';
  let tenantAdmin: ApiClient;
  let tenantAdminKey = '';
  let user: ApiClient;
  let foreignAdmin: ApiClient;
  let sessionId = '';

  beforeAll(async () => {
    await probe.start([Topics.toolResults, Topics.toolBlocked]);
    const tenant = await createTenant('policy');
    tenantId = tenant.tenantId;
    tenantAdminKey = tenant.adminKey;
    tenantAdmin = new ApiClient(baseUrl, tenant.adminKey);
    const key = await tenantAdmin.request<{ key: string }>('POST', '/v1/admin/api-keys', {
      body: { name: `policy-user-${randomUUID().slice(0, 6)}`, role: 'user' },
    });
    expect(key.status).toBe(201);
    user = new ApiClient(baseUrl, key.body.key);
    foreignAdmin = new ApiClient(baseUrl, (await createTenant('policy-foreign')).adminKey);
    sessionId = (await sessionWithProfile(operator, { name: 'policy-tools', maxTokens: 4 }, tenantAdmin))
      .sessionId;
  });

  afterAll(async () => {
    await drainSessions(tenantAdmin, [sessionId]);
    await probe.stop();
  });

  const path = () => `/v1/tenants/${tenantId}/policy`;

  it('shows the defaults before anything is set', async () => {
    const got = await operator.request<PolicyBody>('GET', path());
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      egressHosts: [],
      allowedCidrs: [],
      allowedPorts: [80, 443],
      disabledTools: [],
      userApprovalTools: [],
      updatedAt: null,
      updatedBy: null,
    });
  });

  it('the operator PUTs and GETs them back; the change is an audit event with before and after', async () => {
    const body = {
      egressHosts: ['API.example.org', '*.example.net'],
      allowedCidrs: ['10.20.0.0/16'],
      allowedPorts: [8443, 443],
      disabledTools: ['code.execute'],
      userApprovalTools: ['web.search'],
      reason: 'e2e round trip',
    };
    const put = await operator.request<PolicyBody>('PUT', path(), { body });
    expect(put.status).toBe(200);
    const expected = {
      egressHosts: ['api.example.org', '*.example.net'],
      allowedCidrs: ['10.20.0.0/16'],
      allowedPorts: [443, 8443],
      disabledTools: ['code.execute'],
      userApprovalTools: ['web.search'],
    };
    expect(put.body).toMatchObject(expected);
    expect(put.body.updatedAt).not.toBeNull();
    const got = await operator.request<PolicyBody>('GET', path());
    expect(got.body).toEqual(put.body);
    // A tenant's own admin reads them (and sees the audit event in its trail).
    expect((await tenantAdmin.request<PolicyBody>('GET', path())).body).toEqual(put.body);
    const audit = await tenantAdmin.request<{
      items: { action: string; subjectType: string; reason: string; detail: Record<string, unknown> }[];
    }>('GET', `/v1/audit-events?subjectId=${tenantId}&action=tenant.policy.updated`);
    expect(audit.status).toBe(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      action: 'tenant.policy.updated',
      subjectType: 'tenant',
      reason: 'e2e round trip',
      detail: {
        firstSet: true,
        before: { egressHosts: [], allowedPorts: [80, 443], disabledTools: [] },
        after: expected,
      },
    });
    // The same state in OPA, snake_case, without anyone writing OPA by hand.
    const opa = (await (await fetch(`${opaUrl}/v1/data/soma/tenants/${tenantId}`)).json()) as {
      result: unknown;
    };
    expect(opa.result).toEqual({
      egress_hosts: expected.egressHosts,
      allowed_cidrs: expected.allowedCidrs,
      allowed_ports: expected.allowedPorts,
      disabled_tools: expected.disabledTools,
      user_approval_tools: expected.userApprovalTools,
    });
  });

  it('refuses a PUT by the tenant admin and by a user (403), and a GET by a user or another tenant', async () => {
    const put = await tenantAdmin.request<ErrorBody>('PUT', path(), { body: { disabledTools: [] } });
    expect(put.status).toBe(403);
    expect(put.body.error).toBe('OPERATOR_REQUIRED');
    expect((await user.request<ErrorBody>('PUT', path(), { body: {} })).status).toBe(403);
    const userGet = await user.request<ErrorBody>('GET', path());
    expect(userGet.status).toBe(403);
    expect(userGet.body.error).toBe('ADMIN_ROLE_REQUIRED');
    const foreign = await foreignAdmin.request<ErrorBody>('GET', path());
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toBe('TENANT_NOT_FOUND');
    // Nothing changed.
    expect((await operator.request<PolicyBody>('GET', path())).body.disabledTools).toEqual(['code.execute']);
  });

  it.each([
    [{ allowedCidrs: ['10.0.0.0/33'] }, 'TENANT_POLICY_INVALID', 'allowedCidrs[0]'],
    [{ allowedCidrs: ['not-a-cidr'] }, 'TENANT_POLICY_INVALID', 'allowedCidrs[0]'],
    [{ egressHosts: ['ok.example.org', 'bad host!'] }, 'TENANT_POLICY_INVALID', 'egressHosts[1]'],
    [{ egressHosts: ['http://example.org/'] }, 'TENANT_POLICY_INVALID', 'egressHosts[0]'],
    [{ disabledTools: ['Rm -rf'] }, 'TENANT_POLICY_INVALID', 'disabledTools[0]'],
    [{ allowedPorts: [0] }, 'VALIDATION_FAILED', 'allowedPorts'],
    [{ allowedPorts: [65536] }, 'VALIDATION_FAILED', 'allowedPorts'],
    [{ allowedPorts: ['443'] }, 'VALIDATION_FAILED', 'allowedPorts'],
    [
      { egressHosts: Array.from({ length: 101 }, (_, i) => `h${i}.example.org`) },
      'VALIDATION_FAILED',
      'egressHosts',
    ],
    [{ egress_hosts: ['example.org'] }, 'VALIDATION_FAILED', 'egress_hosts'],
  ])('refuses %j with 400 %s naming %s', async (body, code, field) => {
    const put = await operator.request<ErrorBody>('PUT', path(), { body });
    expect(put.status).toBe(400);
    expect(put.body.error).toBe(code);
    expect(put.body.fields?.map((f) => f.field)).toContain(field);
  });

  it('a disabled tool is denied by OPA right after the PUT (no cached allow, no manual OPA write)', async () => {
    const args = { query: `policy-${randomUUID()}` };
    const before = toolRequest(tenantId, sessionId, 'memory.search', args);
    await probe.publish(Topics.toolRequests, before);
    const [ran] = await probe.waitFor<ToolCallFinished>(
      (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === before.payload.toolCallId,
      60_000,
    );
    expect(ran?.payload.status).toBe('ok');
    const put = await operator.request<PolicyBody>('PUT', path(), {
      body: { disabledTools: ['code.execute', 'memory.search'] },
    });
    expect(put.status).toBe(200);
    // The same input again: a decision cached before the change must not answer it.
    const after = toolRequest(tenantId, sessionId, 'memory.search', args);
    await probe.publish(Topics.toolRequests, after);
    const [blocked] = await probe.waitFor<ToolCallBlocked>(
      (topic, e) => topic === Topics.toolBlocked && e.payload.request.toolCallId === after.payload.toolCallId,
      60_000,
    );
    expect(blocked?.payload.decision.outcome).toBe('deny');
    expect(blocked?.payload.decision.ruleIds).toContain('tools.disabled_for_tenant');
    expect(blocked?.payload.decision.transient).toBe(false);
    // Stored: a second audit event, its before being the first one's after.
    const rows = await withDb(
      async (db) =>
        (
          await db.query<{
            detail: { before: { disabledTools: string[] }; after: { disabledTools: string[] } };
          }>(
            `SELECT detail FROM audit_events WHERE subject_id = $1 AND action = 'tenant.policy.updated'
           ORDER BY occurred_at`,
            [tenantId],
          )
        ).rows,
    );
    expect(rows.map((r) => [r.detail.before.disabledTools, r.detail.after.disabledTools])).toEqual([
      [[], ['code.execute']],
      [['code.execute'], ['code.execute', 'memory.search']],
    ]);
  });

  it('404s an unknown tenant', async () => {
    const put = await operator.request<ErrorBody>('PUT', `/v1/tenants/${randomUUID()}/policy`, { body: {} });
    expect(put.status).toBe(404);
    expect(put.body.error).toBe('TENANT_NOT_FOUND');
  });

  it('soma tenants policy get|set: set changes only the flags given, get shows them (tenant admin may get)', async () => {
    const asOperator = { SOMA_API_KEY: inject('adminKey'), SOMA_URL: baseUrl };
    const before = await operator.request<PolicyBody>('GET', path());
    const set = await runCli(
      [
        'tenants',
        'policy',
        'set',
        tenantId,
        '--egress-hosts',
        'cli.example.org',
        '--reason',
        'cli',
        '--json',
      ],
      asOperator,
    );
    expect(set.code).toBe(0);
    const after = jsonOf<PolicyBody>(set);
    expect(after.egressHosts).toEqual(['cli.example.org']);
    expect(after.disabledTools).toEqual(before.body.disabledTools);
    expect(after.allowedPorts).toEqual(before.body.allowedPorts);
    const shown = await runCli(['tenants', 'policy', 'get', tenantId], {
      SOMA_API_KEY: tenantAdminKey,
      SOMA_URL: baseUrl,
    });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('cli.example.org');
    const refused = await runCli(
      ['tenants', 'policy', 'set', tenantId, '--allowed-ports', '80,x'],
      asOperator,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--allowed-ports');
    const bad = await runCli(
      ['tenants', 'policy', 'set', tenantId, '--allowed-cidrs', '1.2.3.4/40'],
      asOperator,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('allowedCidrs[0]');
  });
});
