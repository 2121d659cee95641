import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { OutboxRelay } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { issueApiKey } from '../../keys/issue-api-key.js';
import { CreateApiKeyCommand, type CreatedApiKey } from './create-api-key.command.js';

@CommandHandler(CreateApiKeyCommand)
export class CreateApiKeyHandler implements ICommandHandler<CreateApiKeyCommand, CreatedApiKey> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ tenantId, name, role, actor }: CreateApiKeyCommand): Promise<CreatedApiKey> {
    const issued = await this.dataSource.transaction((manager) =>
      issueApiKey(manager, { tenantId, name, role }, actor, {
        action: 'api_key.created',
        reason: `${role} key "${name}" created`,
      }),
    );
    await this.outbox.flush([issued.audit.staged]);
    return { ...issued.summary, key: issued.key };
  }
}
