import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { keysetPage, MessageEntity, SessionEntity, type KeysetPage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { ListMessagesQuery } from './list-messages.query.js';

/** A message without a turn sorts after every turn (the largest bigint), as NULLS LAST did. */
const order = {
  keys: [
    { expr: 'COALESCE(t.position, 9223372036854775807)', type: 'bigint' },
    { expr: 'm.position', type: 'bigint' },
  ],
  direction: 'ASC',
} as const;

/** The history in conversation order, a page at a time: turn by turn, each turn's messages as they were written. */
@QueryHandler(ListMessagesQuery)
export class ListMessagesHandler implements IQueryHandler<ListMessagesQuery, KeysetPage<MessageEntity>> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, sessionId, page }: ListMessagesQuery): Promise<KeysetPage<MessageEntity>> {
    const exists = await this.dataSource.getRepository(SessionEntity).existsBy({ id: sessionId, tenantId });
    if (!exists) throw new ConversationError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
    const query = this.dataSource
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .leftJoin('turns', 't', 't.id = m.turn_id')
      .where('m.session_id = :sessionId AND m.tenant_id = :tenantId', { sessionId, tenantId });
    return keysetPage(query, order, page, (message) => message);
  }
}
