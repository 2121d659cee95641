import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AuditEventEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { type AuditEventView, type Page, toAuditView } from '../../views.js';
import { ListAuditEventsQuery } from './list-audit-events.query.js';

@QueryHandler(ListAuditEventsQuery)
export class ListAuditEventsHandler implements IQueryHandler<ListAuditEventsQuery, Page<AuditEventView>> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ actor, filter }: ListAuditEventsQuery): Promise<Page<AuditEventView>> {
    const tenantId = actor.operator ? filter.tenantId : actor.tenantId;
    const query = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('a');
    if (tenantId) query.andWhere('a.tenant_id = :tenantId', { tenantId });
    if (filter.action) query.andWhere('a.action = :action', { action: filter.action });
    if (filter.subjectId) query.andWhere('a.subject_id = :subjectId', { subjectId: filter.subjectId });
    if (filter.from) query.andWhere('a.occurred_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('a.occurred_at < :to', { to: filter.to });
    const [events, total] = await query
      .orderBy('a.occurred_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .take(filter.limit)
      .skip(filter.offset)
      .getManyAndCount();
    return { items: events.map(toAuditView), total, limit: filter.limit, offset: filter.offset };
  }
}
