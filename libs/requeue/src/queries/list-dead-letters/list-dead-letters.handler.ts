import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DeadLetterEntity, keysetPage, type KeysetPage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { type DeadLetterView, toDeadLetterView } from '../../views.js';
import { ListDeadLettersQuery } from './list-dead-letters.query.js';

// Newest first; the id breaks ties between rows of the same instant.
const order = {
  keys: [
    { expr: 'd.created_at', type: 'timestamptz' },
    { expr: 'd.id', type: 'uuid' },
  ],
  direction: 'DESC',
} as const;

@QueryHandler(ListDeadLettersQuery)
export class ListDeadLettersHandler implements IQueryHandler<
  ListDeadLettersQuery,
  KeysetPage<DeadLetterView>
> {
  constructor(private readonly dataSource: DataSource) {}

  execute({ page, filter }: ListDeadLettersQuery): Promise<KeysetPage<DeadLetterView>> {
    const query = this.dataSource.getRepository(DeadLetterEntity).createQueryBuilder('d');
    if (filter.sourceTopic) query.andWhere('d.source_topic = :topic', { topic: filter.sourceTopic });
    if (filter.reason) query.andWhere('d.reason = :reason', { reason: filter.reason });
    if (filter.status) query.andWhere('d.status = :status', { status: filter.status });
    if (filter.tenantId) query.andWhere('d.tenant_id = :tenantId', { tenantId: filter.tenantId });
    if (filter.from) query.andWhere('d.created_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('d.created_at < :to', { to: filter.to });
    return keysetPage(query, order, page, toDeadLetterView);
  }
}
