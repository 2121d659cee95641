import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  createEnvelope,
  Topics,
  type PolicyDecision,
  type ToolCallFinished,
  type ToolCallRequested,
} from '#soma/contracts';
import { AuditRecorder, OutboxRelay } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { lockPendingItem } from '../../pending-item.js';
import { RequeueItemRepository } from '../../requeue-item.repository.js';
import { RejectRequeueItemCommand, type RequeueItemRejected } from './reject-requeue-item.command.js';

/** Item → rejected, audit written, final `blocked` tool.call.finished (with the reason) staged: one transaction. */
@CommandHandler(RejectRequeueItemCommand)
export class RejectRequeueItemHandler implements ICommandHandler<
  RejectRequeueItemCommand,
  RequeueItemRejected
> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly items: RequeueItemRepository,
    private readonly audit: AuditRecorder,
  ) {}

  async execute({
    actor,
    itemId,
    reason,
    correlationId,
  }: RejectRequeueItemCommand): Promise<RequeueItemRejected> {
    const { item, staged, auditId } = await this.dataSource.transaction(async (manager) => {
      const item = await lockPendingItem(this.items, manager, actor, itemId);
      await this.items.decide(manager, item.id, 'rejected', actor.keyId, reason);
      const audited = await this.audit.record(manager, actor, {
        action: 'requeue.rejected',
        subject: { type: 'requeue_item', id: item.id },
        reason,
        detail: { toolCallId: item.toolCallId, tool: item.tool, decision: item.decision },
        tenantId: item.tenantId,
        sessionId: item.sessionId,
        correlationId,
      });
      const request = item.request as unknown as ToolCallRequested;
      const decision = item.decision as unknown as PolicyDecision;
      const result: ToolCallFinished = {
        toolCallId: item.toolCallId,
        turnId: request.turnId,
        tool: item.tool,
        status: 'blocked',
        output: { reasons: [...decision.reasons, `rejected by an admin: ${reason}`], final: true },
        error: { code: 'REJECTED_BY_ADMIN', message: reason },
        decision,
        durationMs: 0,
      };
      const context = {
        tenantId: item.tenantId,
        sessionId: item.sessionId,
        correlationId: item.correlationId,
        causationId: item.blockedEventId,
      };
      const finished = await this.outbox.stage(
        manager,
        Topics.toolResults,
        createEnvelope('tool.call.finished', context, result),
      );
      return { item, staged: [audited.staged, finished], auditId: audited.auditId };
    });
    await this.outbox.flush(staged);
    return { id: item.id, status: 'rejected', toolCallId: item.toolCallId, auditId };
  }
}
