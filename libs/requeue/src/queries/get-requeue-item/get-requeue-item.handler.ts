import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AuditEventEntity, RequeueItemEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { RequeueError } from '../../requeue.errors.js';
import { toAuditView, toItemView } from '../../views.js';
import { GetRequeueItemQuery, type RequeueItemDetail } from './get-requeue-item.query.js';

@QueryHandler(GetRequeueItemQuery)
export class GetRequeueItemHandler implements IQueryHandler<GetRequeueItemQuery, RequeueItemDetail> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ actor, itemId }: GetRequeueItemQuery): Promise<RequeueItemDetail> {
    const item = await this.dataSource.manager.findOneBy(RequeueItemEntity, {
      id: itemId,
      ...(actor.operator ? {} : { tenantId: actor.tenantId }),
    });
    if (!item) throw new RequeueError('REQUEUE_ITEM_NOT_FOUND', `requeue item ${itemId} not found`);
    const audit = await this.dataSource.manager.find(AuditEventEntity, {
      where: { subjectType: 'requeue_item', subjectId: item.id },
      order: { occurredAt: 'ASC' },
    });
    return { ...toItemView(item), audit: audit.map(toAuditView) };
  }
}
