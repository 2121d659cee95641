import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DeadLetterEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { type DeadLetterView, type Page, toDeadLetterView } from '../../views.js';
import { ListDeadLettersQuery } from './list-dead-letters.query.js';

@QueryHandler(ListDeadLettersQuery)
export class ListDeadLettersHandler implements IQueryHandler<ListDeadLettersQuery, Page<DeadLetterView>> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ filter }: ListDeadLettersQuery): Promise<Page<DeadLetterView>> {
    const query = this.dataSource.getRepository(DeadLetterEntity).createQueryBuilder('d');
    if (filter.sourceTopic) query.andWhere('d.source_topic = :topic', { topic: filter.sourceTopic });
    if (filter.reason) query.andWhere('d.reason = :reason', { reason: filter.reason });
    if (filter.status) query.andWhere('d.status = :status', { status: filter.status });
    if (filter.tenantId) query.andWhere('d.tenant_id = :tenantId', { tenantId: filter.tenantId });
    if (filter.from) query.andWhere('d.created_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('d.created_at < :to', { to: filter.to });
    const [letters, total] = await query
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .take(filter.limit)
      .skip(filter.offset)
      .getManyAndCount();
    return { items: letters.map(toDeadLetterView), total, limit: filter.limit, offset: filter.offset };
  }
}
