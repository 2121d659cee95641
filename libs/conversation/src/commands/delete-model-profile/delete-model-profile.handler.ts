import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ModelProfileEntity, SessionEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { DeleteModelProfileCommand } from './delete-model-profile.command.js';

/** The default profile and profiles sessions still use cannot be deleted. */
@CommandHandler(DeleteModelProfileCommand)
export class DeleteModelProfileHandler implements ICommandHandler<DeleteModelProfileCommand, void> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ id }: DeleteModelProfileCommand): Promise<void> {
    const profile = await this.dataSource.getRepository(ModelProfileEntity).findOneBy({ id });
    if (!profile) throw new ConversationError('MODEL_PROFILE_NOT_FOUND', `model profile ${id} not found`);
    const inUse =
      profile.isDefault ||
      (await this.dataSource.getRepository(SessionEntity).existsBy({ modelProfileId: id }));
    if (inUse)
      throw new ConversationError(
        'MODEL_PROFILE_IN_USE',
        `model profile ${profile.name} is the default or used by sessions`,
      );
    await this.dataSource.getRepository(ModelProfileEntity).delete({ id });
  }
}
