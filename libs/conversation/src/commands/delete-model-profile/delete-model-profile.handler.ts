import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditRecorder, ModelProfileEntity, OutboxRelay, SessionEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { DeleteModelProfileCommand } from './delete-model-profile.command.js';

/** The default profile and profiles sessions still use cannot be deleted. Audited in the platform's chain. */
@CommandHandler(DeleteModelProfileCommand)
export class DeleteModelProfileHandler implements ICommandHandler<DeleteModelProfileCommand, void> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ id, actor }: DeleteModelProfileCommand): Promise<void> {
    const staged = await this.dataSource.transaction(async (manager) => {
      const profile = await manager.findOneBy(ModelProfileEntity, { id });
      if (!profile) throw new ConversationError('MODEL_PROFILE_NOT_FOUND', `model profile ${id} not found`);
      const inUse = profile.isDefault || (await manager.existsBy(SessionEntity, { modelProfileId: id }));
      if (inUse)
        throw new ConversationError(
          'MODEL_PROFILE_IN_USE',
          `model profile ${profile.name} is the default or used by sessions`,
        );
      await manager.delete(ModelProfileEntity, { id });
      const audited = await this.audit.record(manager, actor, {
        action: 'model_profile.deleted',
        subject: { type: 'model_profile', id },
        reason: `model profile "${profile.name}" deleted`,
        detail: { name: profile.name, provider: profile.provider, model: profile.model },
        tenantId: null,
        sessionId: null,
      });
      return audited.staged;
    });
    await this.outbox.flush([staged]);
  }
}
