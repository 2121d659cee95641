import { ApiKeyEntity, TenantEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { type DataSource } from 'typeorm';
import { generateApiKey, hashApiKey } from './api-key.contract.js';

export const DEFAULT_TENANT = 'default';

/**
 * Makes sure the default tenant and an admin key exist. With `presetKey` (SOMA_ADMIN_API_KEY) that exact key is
 * registered; otherwise a key is generated only when the tenant has no admin key yet, and returned once.
 */
export async function ensureBootstrapAdmin(
  dataSource: DataSource,
  presetKey: string | undefined,
): Promise<{ tenantId: string; createdKey: string | undefined }> {
  return dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock(7301)');
    let tenant = await manager.findOneBy(TenantEntity, { name: DEFAULT_TENANT });
    if (!tenant) {
      tenant = manager.create(TenantEntity, { id: randomUUID(), name: DEFAULT_TENANT });
      await manager.insert(TenantEntity, tenant);
    }
    if (presetKey) {
      const hash = hashApiKey(presetKey);
      const existing = await manager.findOneBy(ApiKeyEntity, { keyHash: hash });
      if (!existing) {
        await manager.insert(ApiKeyEntity, {
          id: randomUUID(),
          tenantId: tenant.id,
          name: 'bootstrap admin (SOMA_ADMIN_API_KEY)',
          role: 'admin',
          keyHash: hash,
          keyPrefix: presetKey.slice(0, 12),
          revokedAt: null,
        });
      }
      return { tenantId: tenant.id, createdKey: undefined };
    }
    const admins = await manager.countBy(ApiKeyEntity, { tenantId: tenant.id, role: 'admin' });
    if (admins > 0) return { tenantId: tenant.id, createdKey: undefined };
    const generated = generateApiKey();
    await manager.insert(ApiKeyEntity, {
      id: randomUUID(),
      tenantId: tenant.id,
      name: 'bootstrap admin',
      role: 'admin',
      keyHash: generated.hash,
      keyPrefix: generated.prefix,
      revokedAt: null,
    });
    return { tenantId: tenant.id, createdKey: generated.key };
  });
}
