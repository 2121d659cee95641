import { CommandHandler, EventBus, type ICommandHandler } from '@nestjs/cqrs';
import { ApiKeyEntity } from '#soma/persistence';
import { DataSource, IsNull } from 'typeorm';
import { toApiKeySummary, type ApiKeySummary } from '../../api-key-summary.contract.js';
import { ApiKeyRevokedEvent } from '../../events/api-key-revoked.event.js';
import { IdentityError } from '../../identity.errors.js';
import { RevokeApiKeyCommand } from './revoke-api-key.command.js';

@CommandHandler(RevokeApiKeyCommand)
export class RevokeApiKeyHandler implements ICommandHandler<RevokeApiKeyCommand, ApiKeySummary> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ tenantId, keyId }: RevokeApiKeyCommand): Promise<ApiKeySummary> {
    const repository = this.dataSource.getRepository(ApiKeyEntity);
    await repository.update({ id: keyId, tenantId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    const key = await repository.findOneBy({ id: keyId, tenantId });
    if (!key) throw new IdentityError('API_KEY_NOT_FOUND', `API key ${keyId} not found`);
    this.eventBus.publish(new ApiKeyRevokedEvent(tenantId, keyId));
    return toApiKeySummary(key);
  }
}
