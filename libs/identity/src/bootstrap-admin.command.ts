import { ApiKeyEntity, recordAudit, TenantEntity, type AuditActor } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager } from 'typeorm';
import { hashApiKey } from './api-key.contract.js';
import { activeAdminKeys, issueApiKey, lockTenantKeys } from './keys/issue-api-key.js';

export const DEFAULT_TENANT = 'default';

/** Provisioning (`infra:up`): no key, database access. */
export const PROVISIONING_ACTOR: AuditActor = { keyId: null, role: 'operator:provisioning', operator: false };

/** The operator's host command `npm run admin:recover`: no key, database access. */
export const RECOVERY_ACTOR: AuditActor = { keyId: null, role: 'operator:recovery', operator: false };

export interface BootstrapResult {
  tenantId: string;
  /** A key generated now (shown once): the tenant had no active admin key. */
  createdKey: string | undefined;
  /** What provisioning found, for its output. */
  note: string;
}

/**
 * Makes sure the default tenant exists and has an active admin key. With `presetKey` (SOMA_ADMIN_API_KEY) that
 * exact key is registered unless it is known already; a revoked preset key stays revoked. Whenever the tenant is
 * left without an active admin key (none yet, or its keys were revoked before the last-admin rule existed), a new
 * one is generated and returned once. Every key and the tenant are audited.
 */
export async function ensureBootstrapAdmin(
  dataSource: DataSource,
  presetKey: string | undefined,
): Promise<BootstrapResult> {
  return dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock(7301)');
    const tenantId = await ensureDefaultTenant(manager);
    await lockTenantKeys(manager, tenantId);
    let note = 'an active admin key exists';
    if (presetKey) {
      const existing = await manager.findOneBy(ApiKeyEntity, { keyHash: hashApiKey(presetKey) });
      if (!existing) {
        await issueApiKey(
          manager,
          { tenantId, name: 'bootstrap admin (SOMA_ADMIN_API_KEY)', role: 'admin', presetKey },
          PROVISIONING_ACTOR,
          { action: 'api_key.created', reason: 'SOMA_ADMIN_API_KEY registered by provisioning' },
        );
        note = 'SOMA_ADMIN_API_KEY registered';
      } else if (existing.revokedAt) {
        note = 'SOMA_ADMIN_API_KEY was revoked and stays revoked: use another admin key';
      } else {
        note = 'SOMA_ADMIN_API_KEY registered';
      }
    }
    if ((await activeAdminKeys(manager, tenantId)) > 0) return { tenantId, createdKey: undefined, note };
    const issued = await issueApiKey(
      manager,
      { tenantId, name: 'bootstrap admin', role: 'admin' },
      PROVISIONING_ACTOR,
      { action: 'api_key.created', reason: 'the default tenant had no active admin key' },
    );
    return { tenantId, createdKey: issued.key, note: 'the default tenant had no active admin key' };
  });
}

async function ensureDefaultTenant(manager: EntityManager): Promise<string> {
  const tenant = await manager.findOneBy(TenantEntity, { name: DEFAULT_TENANT });
  if (tenant) return tenant.id;
  const id = randomUUID();
  await manager.insert(TenantEntity, { id, name: DEFAULT_TENANT });
  await recordAudit(manager, PROVISIONING_ACTOR, {
    action: 'tenant.created',
    subject: { type: 'tenant', id },
    reason: 'the default (operator) tenant, created by provisioning',
    detail: { name: DEFAULT_TENANT },
    tenantId: id,
    sessionId: null,
  });
  return id;
}

export interface RecoveredAdmin {
  tenantId: string;
  keyId: string;
  /** In clear text: shown once by the command, never stored. */
  key: string;
  auditId: string;
}

/**
 * `npm run admin:recover -- --tenant <name>`: a new admin key for the tenant, whatever its keys' state, audited
 * (actor operator:recovery) in the same transaction. undefined for an unknown tenant.
 */
export async function recoverTenantAdmin(
  dataSource: DataSource,
  tenantName: string,
): Promise<RecoveredAdmin | undefined> {
  return dataSource.transaction(async (manager) => {
    const tenant = await manager.findOneBy(TenantEntity, { name: tenantName });
    if (!tenant) return undefined;
    await lockTenantKeys(manager, tenant.id);
    const issued = await issueApiKey(
      manager,
      { tenantId: tenant.id, name: `recovered admin ${new Date().toISOString()}`, role: 'admin' },
      RECOVERY_ACTOR,
      { action: 'api_key.recovered', reason: 'admin key issued by the operator (npm run admin:recover)' },
    );
    return { tenantId: tenant.id, keyId: issued.summary.id, key: issued.key, auditId: issued.audit.auditId };
  });
}
