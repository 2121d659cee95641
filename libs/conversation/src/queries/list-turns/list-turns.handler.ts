import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { keysetPage, SessionEntity, TurnEntity, type KeysetPage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { ListTurnsQuery } from './list-turns.query.js';

const order = {
  keys: [
    { expr: 't.position', type: 'bigint' },
    { expr: 't.id', type: 'uuid' },
  ],
  direction: 'ASC',
} as const;

@QueryHandler(ListTurnsQuery)
export class ListTurnsHandler implements IQueryHandler<ListTurnsQuery, KeysetPage<TurnEntity>> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, sessionId, page }: ListTurnsQuery): Promise<KeysetPage<TurnEntity>> {
    const exists = await this.dataSource.getRepository(SessionEntity).existsBy({ id: sessionId, tenantId });
    if (!exists) throw new ConversationError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
    const query = this.dataSource
      .getRepository(TurnEntity)
      .createQueryBuilder('t')
      .where('t.session_id = :sessionId AND t.tenant_id = :tenantId', { sessionId, tenantId });
    return keysetPage(query, order, page, (turn) => turn);
  }
}
