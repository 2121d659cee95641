import { ApiKeyEntity, TenantEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { type DataSource } from 'typeorm';
import { generateApiKey } from './api-key.contract.js';

/** Creates a tenant with a first admin key (returned once). Used by operators' scripts and the tests. */
export async function createTenantWithAdminKey(
  dataSource: DataSource,
  name: string,
): Promise<{ tenantId: string; adminKey: string }> {
  return dataSource.transaction(async (manager) => {
    const tenantId = randomUUID();
    await manager.insert(TenantEntity, { id: tenantId, name });
    const generated = generateApiKey();
    await manager.insert(ApiKeyEntity, {
      id: randomUUID(),
      tenantId,
      name: `${name} admin`,
      role: 'admin',
      keyHash: generated.hash,
      keyPrefix: generated.prefix,
      revokedAt: null,
    });
    return { tenantId, adminKey: generated.key };
  });
}
