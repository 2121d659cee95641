import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ApiKeyEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { generateApiKey } from '../../api-key.contract.js';
import { toApiKeySummary } from '../../api-key-summary.contract.js';
import { CreateApiKeyCommand, type CreatedApiKey } from './create-api-key.command.js';

@CommandHandler(CreateApiKeyCommand)
export class CreateApiKeyHandler implements ICommandHandler<CreateApiKeyCommand, CreatedApiKey> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, name, role }: CreateApiKeyCommand): Promise<CreatedApiKey> {
    const generated = generateApiKey();
    const repository = this.dataSource.getRepository(ApiKeyEntity);
    const id = randomUUID();
    await repository.insert({
      id,
      tenantId,
      name,
      role,
      keyHash: generated.hash,
      keyPrefix: generated.prefix,
      revokedAt: null,
    });
    const stored = await repository.findOneByOrFail({ id });
    return { ...toApiKeySummary(stored), key: generated.key };
  }
}
