import { ApiClient } from '#soma/client';
import { Topics, type ToolCallBlocked, type ToolCallFinished } from '#soma/contracts';
import { loadConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { killOpa, restartInfra } from '../support/faults.js';
import { KafkaProbe } from '../support/kafka-probe.js';
import { drainSessions, sessionWithProfile } from '../support/sessions.js';
import { createTenant } from '../support/tenants.js';
import { toolRequest } from '../support/tool-requests.js';

const opaUrl = loadConfig().opaUrl;

/**
 * OPA keeps data in memory only. Tenant policy settings live in PostgreSQL: after OPA is killed and started
 * again (empty), the first decision finds `settings_loaded: false`, the executor reloads every tenant's settings,
 * and the tenant's disabled tool is still denied; nothing is written to OPA by hand.
 */
describe('tenant policy settings survive an OPA restart', () => {
  const baseUrl = inject('gatewayUrl');
  const operator = new ApiClient(baseUrl, inject('adminKey'));
  const probe = new KafkaProbe();
  let tenantId = '';
  let tenantAdmin: ApiClient;
  let sessionId = '';

  beforeAll(async () => {
    await probe.start([Topics.toolResults, Topics.toolBlocked]);
    const tenant = await createTenant('policy-restart');
    tenantId = tenant.tenantId;
    tenantAdmin = new ApiClient(baseUrl, tenant.adminKey);
    sessionId = (await sessionWithProfile(operator, { name: 'policy-restart', maxTokens: 4 }, tenantAdmin))
      .sessionId;
  });

  afterAll(async () => {
    await drainSessions(tenantAdmin, [sessionId]);
    await probe.stop();
  });

  it('denies the disabled tool after OPA lost its data, and OPA holds the settings again', async () => {
    const put = await operator.request('PUT', `/v1/tenants/${tenantId}/policy`, {
      body: { disabledTools: ['memory.search'], egressHosts: ['kept.example.org'] },
    });
    expect(put.status).toBe(200);

    await killOpa();
    await restartInfra();
    const call = toolRequest(tenantId, sessionId, 'memory.search', { query: `restart-${randomUUID()}` });
    await probe.publish(Topics.toolRequests, call);
    const [blocked] = await probe.waitFor<ToolCallBlocked>(
      (topic, e) => topic === Topics.toolBlocked && e.payload.request.toolCallId === call.payload.toolCallId,
      60_000,
    );
    expect(blocked?.payload.decision.ruleIds).toContain('tools.disabled_for_tenant');
    expect(blocked?.payload.decision.transient).toBe(false);

    const loaded = (await (await fetch(`${opaUrl}/v1/data/soma/tenants/${tenantId}`)).json()) as {
      result?: { disabled_tools: string[]; egress_hosts: string[] };
    };
    expect(loaded.result).toMatchObject({
      disabled_tools: ['memory.search'],
      egress_hosts: ['kept.example.org'],
    });
    const marker = (await (await fetch(`${opaUrl}/v1/data/soma/settings_loaded`)).json()) as {
      result?: { revision: number };
    };
    expect(marker.result?.revision).toBeGreaterThan(0);

    // An allowed tool of the same tenant still runs.
    const allowed = toolRequest(tenantId, sessionId, 'web.search', { query: 'anything' });
    await probe.publish(Topics.toolRequests, allowed);
    const [ran] = await probe.waitFor<ToolCallFinished>(
      (topic, e) => topic === Topics.toolResults && e.payload.toolCallId === allowed.payload.toolCallId,
      60_000,
    );
    expect(ran?.payload.status).toBe('ok');
  });
});
