import { Injectable } from '@nestjs/common';
import { type Envelope, type ToolCallBlocked } from '#soma/contracts';
import { RequeueItemEntity, type RequeueItemStatus } from '#soma/persistence';
import { DataSource, type EntityManager } from 'typeorm';

/** The store of blocked calls. Dumb: the decisions are the handlers'. */
@Injectable()
export class RequeueItemRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the item, or moves an item that was waiting for a retry (or gave up) to this later attempt.
   * An item waiting for, or decided by, an admin is never overwritten. Returns the item as it now is, and
   * whether this call created it.
   */
  async recordBlocked(
    manager: EntityManager,
    envelope: Envelope<string, ToolCallBlocked>,
    status: RequeueItemStatus,
    nextAttemptAt: Date | null,
  ): Promise<{ item: RequeueItemEntity; created: boolean }> {
    const { request, decision } = envelope.payload;
    const rows: { created: boolean }[] = await manager.query(
      `INSERT INTO requeue_items (id, tool_call_id, tenant_id, session_id, tool, status, request, decision, reasons,
         attempt, next_attempt_at, blocked_event_id, correlation_id, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
       ON CONFLICT (tool_call_id) DO UPDATE
         SET status = EXCLUDED.status, request = EXCLUDED.request, decision = EXCLUDED.decision,
             reasons = EXCLUDED.reasons, attempt = EXCLUDED.attempt, next_attempt_at = EXCLUDED.next_attempt_at,
             blocked_event_id = EXCLUDED.blocked_event_id, updated_at = now()
       WHERE requeue_items.status IN ('retrying', 'resolved', 'dead_lettered')
         AND requeue_items.attempt < EXCLUDED.attempt
       RETURNING (xmax = 0) AS created`,
      [
        envelope.eventId,
        request.toolCallId,
        envelope.tenantId,
        envelope.sessionId,
        request.tool,
        status,
        JSON.stringify(request),
        JSON.stringify(decision),
        decision.reasons,
        request.attempt,
        nextAttemptAt,
        envelope.eventId,
        envelope.correlationId,
      ],
    );
    const item = await manager.findOneByOrFail(RequeueItemEntity, { toolCallId: request.toolCallId });
    return { item, created: rows[0]?.created === true };
  }

  /** A retried call was decided (ran, failed or was refused by policy itself): it no longer waits. */
  async markResolved(toolCallId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE requeue_items SET status = 'resolved', next_attempt_at = NULL, updated_at = now()
       WHERE tool_call_id = $1 AND status IN ('retrying', 'dead_lettered')`,
      [toolCallId],
    );
  }

  /** Locks an item for an admin decision; null when absent or another tenant's (unless `anyTenant`). */
  lockForDecision(
    manager: EntityManager,
    id: string,
    tenantId: string,
    anyTenant: boolean,
  ): Promise<RequeueItemEntity | null> {
    return manager
      .createQueryBuilder(RequeueItemEntity, 'i')
      .where('i.id = :id', { id })
      .andWhere(anyTenant ? 'TRUE' : 'i.tenant_id = :tenantId', { tenantId })
      .setLock('pessimistic_write')
      .getOne();
  }

  async decide(
    manager: EntityManager,
    id: string,
    status: 'overridden' | 'rejected',
    by: string,
    reason: string,
  ): Promise<void> {
    await manager.update(
      RequeueItemEntity,
      { id },
      {
        status,
        resolvedBy: by,
        resolutionReason: reason,
        resolvedAt: () => 'now()',
        updatedAt: () => 'now()',
      },
    );
  }
}
