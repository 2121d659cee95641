import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SessionEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CreateSessionCommand } from './create-session.command.js';

@CommandHandler(CreateSessionCommand)
export class CreateSessionHandler implements ICommandHandler<CreateSessionCommand, { id: string }> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, title }: CreateSessionCommand): Promise<{ id: string }> {
    const id = randomUUID();
    await this.dataSource.getRepository(SessionEntity).insert({ id, tenantId, title });
    return { id };
  }
}
