import { CommandHandler, EventBus, type ICommandHandler } from '@nestjs/cqrs';
import { ApiKeyEntity, OutboxRelay, recordAudit, type StagedMessage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { toApiKeySummary, type ApiKeySummary } from '../../api-key-summary.contract.js';
import { ApiKeyRevokedEvent } from '../../events/api-key-revoked.event.js';
import { IdentityError } from '../../identity.errors.js';
import { activeAdminKeys, lockTenantKeys } from '../../keys/issue-api-key.js';
import { RevokeApiKeyCommand } from './revoke-api-key.command.js';

/** Lock the tenant's keys → check (exists, not the last admin) → revoke + audit: one transaction → publish. */
@CommandHandler(RevokeApiKeyCommand)
export class RevokeApiKeyHandler implements ICommandHandler<RevokeApiKeyCommand, ApiKeySummary> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly eventBus: EventBus,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ tenantId, keyId, actor }: RevokeApiKeyCommand): Promise<ApiKeySummary> {
    const { key, staged } = await this.dataSource.transaction(async (manager) => {
      await lockTenantKeys(manager, tenantId);
      const found = await manager.findOneBy(ApiKeyEntity, { id: keyId, tenantId });
      if (!found) throw new IdentityError('API_KEY_NOT_FOUND', `API key ${keyId} not found`);
      if (found.revokedAt) return { key: found, staged: [] as StagedMessage[] };
      if (found.role === 'admin' && (await activeAdminKeys(manager, tenantId)) <= 1)
        throw new IdentityError(
          'API_KEY_LAST_ADMIN',
          `API key ${keyId} is the tenant's last active admin key: create another admin key first`,
        );
      await manager.update(ApiKeyEntity, { id: keyId }, { revokedAt: () => 'now()' });
      const audit = await recordAudit(manager, actor, {
        action: 'api_key.revoked',
        subject: { type: 'api_key', id: keyId },
        reason: `${found.role} key "${found.name}" revoked`,
        detail: { name: found.name, role: found.role, prefix: found.keyPrefix },
        tenantId,
        sessionId: null,
      });
      return { key: await manager.findOneByOrFail(ApiKeyEntity, { id: keyId }), staged: [audit.staged] };
    });
    await this.outbox.flush(staged);
    this.eventBus.publish(new ApiKeyRevokedEvent(tenantId, keyId));
    return toApiKeySummary(key);
  }
}
