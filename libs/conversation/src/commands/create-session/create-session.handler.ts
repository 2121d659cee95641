import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SessionEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { ModelProfileRepository } from '../../profiles/model-profile.repository.js';
import { CreateSessionCommand } from './create-session.command.js';

@CommandHandler(CreateSessionCommand)
export class CreateSessionHandler implements ICommandHandler<
  CreateSessionCommand,
  { id: string; modelProfileId: string }
> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly profiles: ModelProfileRepository,
  ) {}

  async execute({ tenantId, title, modelProfile, replay, ownerKeyId }: CreateSessionCommand) {
    const sessions = this.dataSource.getRepository(SessionEntity);
    let profileRef = modelProfile;
    if (replay) {
      // Another tenant's session is as unknown as a missing one.
      const source = await sessions.findOneBy({ id: replay.sourceSessionId, tenantId });
      if (!source) {
        throw new ConversationError('SESSION_NOT_FOUND', `session ${replay.sourceSessionId} not found`);
      }
      profileRef ??= source.modelProfileId;
    }
    const profile = await this.profiles.find(profileRef);
    const id = randomUUID();
    await sessions.insert({
      id,
      tenantId,
      title,
      modelProfileId: profile.id,
      replaySourceSessionId: replay?.sourceSessionId ?? null,
      replayToolResults: replay?.toolResults ?? null,
      ownerKeyId,
    });
    return { id, modelProfileId: profile.id };
  }
}
