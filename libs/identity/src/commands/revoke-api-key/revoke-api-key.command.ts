import { Command } from '@nestjs/cqrs';
import { type AuditActor } from '#soma/persistence';
import { type ApiKeySummary } from '../../api-key-summary.contract.js';

/**
 * Revokes a key of the caller's tenant; another tenant's key is "not found". Idempotent (a second revocation
 * changes nothing and records nothing). The tenant's last active admin key cannot be revoked.
 */
export class RevokeApiKeyCommand extends Command<ApiKeySummary> {
  constructor(
    readonly tenantId: string,
    readonly keyId: string,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
