import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { SessionEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { GetSessionQuery } from './get-session.query.js';

@QueryHandler(GetSessionQuery)
export class GetSessionHandler implements IQueryHandler<GetSessionQuery, SessionEntity> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ tenantId, sessionId }: GetSessionQuery): Promise<SessionEntity> {
    const session = await this.dataSource.getRepository(SessionEntity).findOneBy({ id: sessionId, tenantId });
    if (!session) throw new ConversationError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
    return session;
  }
}
