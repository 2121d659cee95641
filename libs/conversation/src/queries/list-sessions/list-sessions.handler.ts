import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { SessionEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ListSessionsQuery } from './list-sessions.query.js';

/** `%` and `_` in a title filter are literal characters, not patterns. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

@QueryHandler(ListSessionsQuery)
export class ListSessionsHandler implements IQueryHandler<ListSessionsQuery, SessionEntity[]> {
  constructor(private readonly dataSource: DataSource) {}

  execute({ tenantId, limit, offset, filter }: ListSessionsQuery): Promise<SessionEntity[]> {
    const query = this.dataSource
      .getRepository(SessionEntity)
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId', { tenantId });
    if (filter.title !== undefined)
      query.andWhere('s.title ILIKE :title', { title: `%${escapeLike(filter.title)}%` });
    if (filter.modelProfileId !== undefined)
      query.andWhere('s.model_profile_id = :modelProfileId', { modelProfileId: filter.modelProfileId });
    if (filter.createdAfter !== undefined)
      query.andWhere('s.created_at >= :createdAfter', { createdAfter: filter.createdAfter });
    if (filter.createdBefore !== undefined)
      query.andWhere('s.created_at < :createdBefore', { createdBefore: filter.createdBefore });
    return query.orderBy('s.created_at', 'DESC').addOrderBy('s.id', 'ASC').take(limit).skip(offset).getMany();
  }
}
