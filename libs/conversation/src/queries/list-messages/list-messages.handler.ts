import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { MessageEntity, SessionEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { ListMessagesQuery } from './list-messages.query.js';

/** The whole history of a session in order. */
@QueryHandler(ListMessagesQuery)
export class ListMessagesHandler implements IQueryHandler<ListMessagesQuery, MessageEntity[]> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, sessionId }: ListMessagesQuery): Promise<MessageEntity[]> {
    const exists = await this.dataSource.getRepository(SessionEntity).existsBy({ id: sessionId, tenantId });
    if (!exists) throw new ConversationError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
    return this.dataSource.getRepository(MessageEntity).find({
      where: { sessionId, tenantId },
      order: { position: 'ASC' },
    });
  }
}
