import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { SessionEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ListSessionsQuery } from './list-sessions.query.js';

@QueryHandler(ListSessionsQuery)
export class ListSessionsHandler implements IQueryHandler<ListSessionsQuery, SessionEntity[]> {
  constructor(private readonly dataSource: DataSource) {}

  execute({ tenantId, limit, offset }: ListSessionsQuery): Promise<SessionEntity[]> {
    return this.dataSource.getRepository(SessionEntity).find({
      where: { tenantId },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }
}
