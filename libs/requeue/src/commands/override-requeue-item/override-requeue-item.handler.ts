import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createEnvelope, Topics, type ToolCallRequested } from '#soma/contracts';
import { AuditRecorder, OutboxRelay, OverrideGrantEntity } from '#soma/persistence';
import { argumentsHash } from '#soma/tools';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { assertMayOverride, storedDecision } from '../../overrides/override-permission.js';
import { lockPendingItem } from '../../pending-item.js';
import { RequeueItemRepository } from '../../requeue-item.repository.js';
import { OverrideRequeueItemCommand, type RequeueItemOverridden } from './override-requeue-item.command.js';

/**
 * Item → overridden, grant recorded, audit written, original call re-published with the grant: one transaction.
 * Refused (REQUEUE_DECISION_FINAL) for a deny the actor may not override; see overrides/override-permission.
 */
@CommandHandler(OverrideRequeueItemCommand)
export class OverrideRequeueItemHandler implements ICommandHandler<
  OverrideRequeueItemCommand,
  RequeueItemOverridden
> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly items: RequeueItemRepository,
    private readonly audit: AuditRecorder,
    @InjectMetric('requeue_overrides_total') private readonly overrides: Counter,
  ) {}

  async execute({
    actor,
    itemId,
    reason,
    correlationId,
  }: OverrideRequeueItemCommand): Promise<RequeueItemOverridden> {
    const grantId = randomUUID();
    const { item, staged, auditId } = await this.dataSource.transaction(async (manager) => {
      const item = await lockPendingItem(this.items, manager, actor, itemId);
      const decision = storedDecision(item.decision);
      assertMayOverride(actor, decision, item.id);
      const request = item.request as unknown as ToolCallRequested;
      const hash = argumentsHash(request.arguments);
      await this.items.decide(manager, item.id, 'overridden', actor.keyId, reason);
      await manager.insert(OverrideGrantEntity, {
        grantId,
        requeueItemId: item.id,
        tenantId: item.tenantId,
        toolCallId: item.toolCallId,
        argumentsHash: hash,
        grantedBy: actor.keyId,
        // The operator's override of an overridable deny names the rules it overrides; nothing else does.
        overridesDenyRuleIds: decision?.outcome === 'deny' && !decision.transient ? decision.ruleIds : null,
      });
      const audited = await this.audit.record(manager, actor, {
        action: 'requeue.overridden',
        subject: { type: 'requeue_item', id: item.id },
        reason,
        detail: { toolCallId: item.toolCallId, tool: item.tool, grantId, overriddenDecision: item.decision },
        tenantId: item.tenantId,
        sessionId: item.sessionId,
        correlationId,
      });
      const context = {
        tenantId: item.tenantId,
        sessionId: item.sessionId,
        correlationId: item.correlationId,
      };
      const replay = createEnvelope('tool.call.requested', context, {
        ...request,
        grant: { grantId, argumentsHash: hash },
      });
      const call = await this.outbox.stage(manager, Topics.toolRequests, replay);
      return { item, staged: [audited.staged, call], auditId: audited.auditId };
    });
    await this.outbox.flush(staged);
    this.overrides.inc();
    return { id: item.id, status: 'overridden', toolCallId: item.toolCallId, grantId, auditId };
  }
}
