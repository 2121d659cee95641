import { TenantEntity, type TenantPolicySettingsEntity } from '#soma/persistence';
import { type EntityManager } from 'typeorm';
import { PolicyError } from '../policy.errors.js';
import { settingsOf, type TenantPolicySettings } from './tenant-policy-settings.js';

/** Who reads or writes a tenant's policy settings (an API key's principal). */
export interface TenantPolicyActor {
  tenantId: string;
  keyId: string;
  role: 'admin' | 'user';
  operator: boolean;
}

/** A tenant's settings as the API shows them; updatedAt and updatedBy are null while they were never set. */
export interface TenantPolicyView extends TenantPolicySettings {
  updatedAt: string | null;
  updatedBy: string | null;
}

export const toTenantPolicyView = (row: TenantPolicySettingsEntity | null): TenantPolicyView => ({
  ...settingsOf(row),
  updatedAt: row ? row.updatedAt.toISOString() : null,
  updatedBy: row?.updatedBy ?? null,
});

export async function mustExist(manager: EntityManager, tenantId: string): Promise<void> {
  if (!(await manager.existsBy(TenantEntity, { id: tenantId })))
    throw new PolicyError('TENANT_NOT_FOUND', `tenant ${tenantId} not found`);
}
