import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { MessageEntity, SessionEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { ListMessagesQuery } from './list-messages.query.js';

/** The whole history in conversation order: turn by turn, each turn's messages as they were written. */
@QueryHandler(ListMessagesQuery)
export class ListMessagesHandler implements IQueryHandler<ListMessagesQuery, MessageEntity[]> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, sessionId }: ListMessagesQuery): Promise<MessageEntity[]> {
    const exists = await this.dataSource.getRepository(SessionEntity).existsBy({ id: sessionId, tenantId });
    if (!exists) throw new ConversationError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
    return this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .leftJoin('turns', 't', 't.id = m.turn_id')
      .where('m.session_id = :sessionId AND m.tenant_id = :tenantId', { sessionId, tenantId })
      .orderBy('t.position', 'ASC')
      .addOrderBy('m.position', 'ASC')
      .getMany();
  }
}
