import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { SessionEntity, TurnEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { ListTurnsQuery } from './list-turns.query.js';

@QueryHandler(ListTurnsQuery)
export class ListTurnsHandler implements IQueryHandler<ListTurnsQuery, TurnEntity[]> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, sessionId }: ListTurnsQuery): Promise<TurnEntity[]> {
    const exists = await this.dataSource.getRepository(SessionEntity).existsBy({ id: sessionId, tenantId });
    if (!exists) throw new ConversationError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
    return this.dataSource
      .getRepository(TurnEntity)
      .find({ where: { sessionId, tenantId }, order: { createdAt: 'ASC' } });
  }
}
