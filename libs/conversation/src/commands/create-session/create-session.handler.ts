import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SessionEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
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

  async execute({ tenantId, title, modelProfile }: CreateSessionCommand) {
    const profile = await this.profiles.find(modelProfile);
    const id = randomUUID();
    await this.dataSource
      .getRepository(SessionEntity)
      .insert({ id, tenantId, title, modelProfileId: profile.id });
    return { id, modelProfileId: profile.id };
  }
}
