/** A second tenant for isolation tests, created in the real database (there is no cross-tenant HTTP route). */
import { createTenantWithAdminKey } from '#soma/identity';
import { createDataSource } from '#soma/persistence';
import { loadConfig } from '#soma/platform';
import { randomUUID } from 'node:crypto';

export async function createTenant(prefix = 'tenant'): Promise<{ tenantId: string; adminKey: string }> {
  const dataSource = await createDataSource(loadConfig().pgUrl).initialize();
  try {
    return await createTenantWithAdminKey(dataSource, `${prefix}-${randomUUID()}`);
  } finally {
    await dataSource.destroy();
  }
}
