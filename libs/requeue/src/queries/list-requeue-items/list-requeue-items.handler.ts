import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { RequeueItemEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { type Page, type RequeueItemView, toItemView } from '../../views.js';
import { ListRequeueItemsQuery } from './list-requeue-items.query.js';

@QueryHandler(ListRequeueItemsQuery)
export class ListRequeueItemsHandler implements IQueryHandler<ListRequeueItemsQuery, Page<RequeueItemView>> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ actor, filter }: ListRequeueItemsQuery): Promise<Page<RequeueItemView>> {
    const tenantId = actor.operator ? filter.tenantId : actor.tenantId;
    const query = this.dataSource.getRepository(RequeueItemEntity).createQueryBuilder('i');
    if (tenantId) query.andWhere('i.tenant_id = :tenantId', { tenantId });
    if (filter.status) query.andWhere('i.status = :status', { status: filter.status });
    if (filter.sessionId) query.andWhere('i.session_id = :sessionId', { sessionId: filter.sessionId });
    if (filter.tool) query.andWhere('i.tool = :tool', { tool: filter.tool });
    if (filter.from) query.andWhere('i.created_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('i.created_at < :to', { to: filter.to });
    const [items, total] = await query
      .orderBy('i.created_at', 'DESC')
      .addOrderBy('i.id', 'DESC')
      .take(filter.limit)
      .skip(filter.offset)
      .getManyAndCount();
    return { items: items.map(toItemView), total, limit: filter.limit, offset: filter.offset };
  }
}
