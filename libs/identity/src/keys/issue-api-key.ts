import {
  type ApiKeyRole,
  ApiKeyEntity,
  recordAudit,
  type AuditActor,
  type RecordedAudit,
} from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import { generateApiKey, hashApiKey } from '../api-key.contract.js';
import { toApiKeySummary, type ApiKeySummary } from '../api-key-summary.contract.js';

export interface IssuedApiKey {
  summary: ApiKeySummary;
  /** In clear text: in this result only, never stored. */
  key: string;
  audit: RecordedAudit;
}

/**
 * Serializes the changes to one tenant's keys until the commit: with it, two revocations of its last two admin
 * keys cannot both see "another admin key is left".
 */
export async function lockTenantKeys(manager: EntityManager, tenantId: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7303))`, [`api-keys:${tenantId}`]);
}

export async function activeAdminKeys(manager: EntityManager, tenantId: string): Promise<number> {
  const rows = await manager.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = $1 AND role = 'admin' AND revoked_at IS NULL`,
    [tenantId],
  );
  return rows[0]?.n ?? 0;
}

/** A new key (stored hashed) and its audit event, in the caller's transaction. */
export async function issueApiKey(
  manager: EntityManager,
  key: { tenantId: string; name: string; role: ApiKeyRole; presetKey?: string },
  actor: AuditActor,
  audit: { action: 'api_key.created' | 'api_key.recovered'; reason: string },
): Promise<IssuedApiKey> {
  const generated = key.presetKey ? presetOf(key.presetKey) : generateApiKey();
  const id = randomUUID();
  await manager.insert(ApiKeyEntity, {
    id,
    tenantId: key.tenantId,
    name: key.name,
    role: key.role,
    keyHash: generated.hash,
    keyPrefix: generated.prefix,
    revokedAt: null,
  });
  const stored = await manager.findOneByOrFail(ApiKeyEntity, { id });
  const recorded = await recordAudit(manager, actor, {
    action: audit.action,
    subject: { type: 'api_key', id },
    reason: audit.reason,
    detail: { name: key.name, role: key.role, prefix: generated.prefix },
    tenantId: key.tenantId,
    sessionId: null,
  });
  return { summary: toApiKeySummary(stored), key: generated.key, audit: recorded };
}

function presetOf(key: string): { key: string; hash: string; prefix: string } {
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 12) };
}
