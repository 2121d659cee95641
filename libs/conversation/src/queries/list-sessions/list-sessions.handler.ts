import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { keysetPage, SessionEntity, type KeysetPage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ListSessionsQuery } from './list-sessions.query.js';

/** `%` and `_` in a title filter are literal characters, not patterns. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

@QueryHandler(ListSessionsQuery)
export class ListSessionsHandler implements IQueryHandler<ListSessionsQuery, KeysetPage<SessionEntity>> {
  constructor(private readonly dataSource: DataSource) {}

  execute({ tenantId, page, filter }: ListSessionsQuery): Promise<KeysetPage<SessionEntity>> {
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
    const order = {
      keys: [
        { expr: 's.created_at', type: 'timestamptz' },
        { expr: 's.id', type: 'uuid' },
      ],
      direction: 'DESC',
    } as const;
    return keysetPage(query, order, page, (session) => session);
  }
}
