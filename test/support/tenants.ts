/** Another tenant for isolation tests, created through the operator's HTTP route. */
import { ApiClient } from '#soma/client';
import { randomUUID } from 'node:crypto';
import { TEST_ADMIN_KEY, TEST_PORTS } from './apps.js';

export async function createTenant(prefix = 'tenant'): Promise<{ tenantId: string; adminKey: string }> {
  const operator = new ApiClient(`http://127.0.0.1:${TEST_PORTS.gateway}`, TEST_ADMIN_KEY);
  const response = await operator.request<{ id: string; adminKey: string }>('POST', '/v1/tenants', {
    body: { name: `${prefix}-${randomUUID()}` },
  });
  if (response.status !== 201)
    throw new Error(`create tenant: ${response.status} ${JSON.stringify(response.body)}`);
  return { tenantId: response.body.id, adminKey: response.body.adminKey };
}
