import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AuditEventEntity, keysetPage, type KeysetPage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { type AuditEventView, toAuditView } from '../../views.js';
import { ListAuditEventsQuery } from './list-audit-events.query.js';

// Newest first; the id breaks ties between rows of the same instant.
const order = {
  keys: [
    { expr: 'a.occurred_at', type: 'timestamptz' },
    { expr: 'a.id', type: 'uuid' },
  ],
  direction: 'DESC',
} as const;

@QueryHandler(ListAuditEventsQuery)
export class ListAuditEventsHandler implements IQueryHandler<
  ListAuditEventsQuery,
  KeysetPage<AuditEventView>
> {
  constructor(private readonly dataSource: DataSource) {}

  execute({ actor, page, filter }: ListAuditEventsQuery): Promise<KeysetPage<AuditEventView>> {
    const tenantId = actor.operator ? filter.tenantId : actor.tenantId;
    const query = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('a');
    if (tenantId) query.andWhere('a.tenant_id = :tenantId', { tenantId });
    if (filter.action) query.andWhere('a.action = :action', { action: filter.action });
    if (filter.subjectId) query.andWhere('a.subject_id = :subjectId', { subjectId: filter.subjectId });
    if (filter.from) query.andWhere('a.occurred_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('a.occurred_at < :to', { to: filter.to });
    return keysetPage(query, order, page, toAuditView);
  }
}
