import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { RequeueItemEntity, keysetPage, type KeysetPage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { type RequeueItemView, toItemView } from '../../views.js';
import { ListRequeueItemsQuery } from './list-requeue-items.query.js';

// Newest first; the id breaks ties between rows of the same instant.
const order = {
  keys: [
    { expr: 'i.created_at', type: 'timestamptz' },
    { expr: 'i.id', type: 'uuid' },
  ],
  direction: 'DESC',
} as const;

@QueryHandler(ListRequeueItemsQuery)
export class ListRequeueItemsHandler implements IQueryHandler<
  ListRequeueItemsQuery,
  KeysetPage<RequeueItemView>
> {
  constructor(private readonly dataSource: DataSource) {}

  execute({ actor, page, filter }: ListRequeueItemsQuery): Promise<KeysetPage<RequeueItemView>> {
    const tenantId = actor.operator ? filter.tenantId : actor.tenantId;
    const query = this.dataSource.getRepository(RequeueItemEntity).createQueryBuilder('i');
    if (tenantId) query.andWhere('i.tenant_id = :tenantId', { tenantId });
    if (filter.status) query.andWhere('i.status = :status', { status: filter.status });
    if (filter.sessionId) query.andWhere('i.session_id = :sessionId', { sessionId: filter.sessionId });
    if (filter.tool) query.andWhere('i.tool = :tool', { tool: filter.tool });
    if (filter.from) query.andWhere('i.created_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('i.created_at < :to', { to: filter.to });
    return keysetPage(query, order, page, toItemView);
  }
}
