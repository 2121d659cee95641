import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { PLATFORM_CHAIN, type ChainedAuditEvent } from '#soma/contracts';
import { AuditEventEntity } from '#soma/persistence';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { RequeueError } from '../../requeue.errors.js';
import { GetAuditChainQuery, type AuditChainPage } from './get-audit-chain.query.js';

@QueryHandler(GetAuditChainQuery)
export class GetAuditChainHandler implements IQueryHandler<GetAuditChainQuery, AuditChainPage> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ actor, chain, after, limit }: GetAuditChainQuery): Promise<AuditChainPage> {
    const wanted = chain ?? actor.tenantId;
    if (!actor.operator && wanted !== actor.tenantId)
      throw new RequeueError('AUDIT_CHAIN_NOT_FOUND', `audit chain ${wanted} not found`);
    const tenantId = wanted === PLATFORM_CHAIN ? IsNull() : wanted;
    // One more than asked: whether there is a next page, without a count.
    const rows = await this.dataSource.getRepository(AuditEventEntity).find({
      where: { tenantId, seq: MoreThan(after) },
      order: { seq: 'ASC' },
      take: limit + 1,
    });
    const items = rows.slice(0, limit).map(toChained);
    const last = items.at(-1);
    return { chain: wanted, items, next: rows.length > limit && last ? last.seq : null };
  }
}

function toChained(event: AuditEventEntity): ChainedAuditEvent {
  return {
    id: event.id,
    tenantId: event.tenantId,
    seq: event.seq,
    prevHash: event.prevHash,
    hash: event.hash,
    actorKeyId: event.actorKeyId,
    actorRole: event.actorRole,
    action: event.action,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    reason: event.reason,
    detail: event.detail,
    occurredAt: event.occurredAt.toISOString(),
  };
}
