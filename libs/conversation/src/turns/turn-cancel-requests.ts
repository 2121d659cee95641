import { Injectable } from '@nestjs/common';
import { createEnvelope, Topics, type Canceller, type EnvelopeContext } from '#soma/contracts';
import { OutboxRelay, TurnEntity, type StagedMessage } from '#soma/persistence';
import { type EntityManager } from 'typeorm';

/** A turn that was asked to cancel, and the control message that tells the instances at once. */
export interface RequestedCancel {
  turn: TurnEntity;
  staged: StagedMessage;
}

/**
 * Records a cancel on an open turn, once, in the caller's transaction, with the `turn.cancel.requested` message
 * staged beside it (outbox). The record is what counts: from its commit on, the journal refuses the turn's
 * tokens and no run can start or resume it, so it can only end as `cancelled`; the message only makes the run
 * holding it (and the tool executor running its call) stop at once.
 */
@Injectable()
export class TurnCancelRequests {
  constructor(private readonly outbox: OutboxRelay) {}

  /** Undefined when the turn is not open, or a cancel was asked for already (a repeated cancel is a no-op). */
  async request(
    manager: EntityManager,
    turnId: string,
    ctx: Omit<EnvelopeContext, 'sessionId'> & { sessionId: string },
    by: Canceller,
  ): Promise<RequestedCancel | undefined> {
    const rows = await manager.query<Record<string, unknown>[]>(
      `UPDATE turns SET cancel_requested_at = now(), cancelled_by = $4::jsonb
       WHERE id = $1 AND tenant_id = $2 AND session_id = $3
         AND status IN ('queued', 'running', 'awaiting_tool') AND cancel_requested_at IS NULL
       RETURNING id`,
      [turnId, ctx.tenantId, ctx.sessionId, JSON.stringify(by)],
    );
    const row = rows[0];
    if (!row) return undefined;
    const turn = await manager.getRepository(TurnEntity).findOneByOrFail({ id: turnId });
    const envelope = createEnvelope('turn.cancel.requested', ctx, {
      turnId,
      toolCallId: turn.pendingToolCallId,
      cancelledBy: by,
    });
    return { turn, staged: await this.outbox.stage(manager, Topics.turnControl, envelope) };
  }

  /** The session's open turns, oldest first (what a new message would wait behind). */
  open(manager: EntityManager, tenantId: string, sessionId: string): Promise<TurnEntity[]> {
    return manager
      .getRepository(TurnEntity)
      .createQueryBuilder('t')
      .where(`t.tenant_id = :tenantId AND t.session_id = :sessionId`, { tenantId, sessionId })
      .andWhere(`t.status IN ('queued', 'running', 'awaiting_tool')`)
      .orderBy('t.position')
      .getMany();
  }
}
