import { Injectable } from '@nestjs/common';
import { type Envelope, type ToolCallRequested } from '#soma/contracts';
import { ToolCallEntity, type ToolCallStatus } from '#soma/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { type ToolCallClaim } from './tool-call.lease.js';

/**
 * Who may end a running call: its owner (the executor that claimed it), or anyone once the owner's lease lapsed
 * (the owner died; the call ends as interrupted).
 */
export type FinishGuard = { owner: string } | 'lease-lapsed';

/**
 * A running call whose lease lapsed, by the database's clock (every executor shares it). Rows claimed before
 * leases existed keep the old rule: 60 s after they started.
 */
const LEASE_LAPSED = `COALESCE(lease_expires_at, started_at + interval '60 seconds') < now()`;

const leaseUntil = (leaseMs: number) => () => `now() + interval '${Math.round(leaseMs)} milliseconds'`;

/** The exactly-once store of tool calls. Dumb: the decisions are the handler's. */
@Injectable()
export class ToolCallRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(toolCallId: string): Promise<ToolCallEntity | null> {
    return this.dataSource.manager.findOneBy(ToolCallEntity, { toolCallId });
  }

  /**
   * Atomically takes the call for running, for `claim.owner` under a fresh lease: a new call is inserted; a
   * blocked one is taken again only by a later attempt (a requeue retry) or with an override grant, with the
   * arguments it now runs with (a user's approval may have edited them). Returns false when the call is someone
   * else's or done.
   */
  async claim(envelope: Envelope<string, ToolCallRequested>, claim: ToolCallClaim): Promise<boolean> {
    const request = envelope.payload;
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO tool_calls (tool_call_id, tenant_id, session_id, turn_id, tool, arguments, requested_by, status,
                               attempt, claimed_by, lease_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $10, now() + $11::integer * interval '1 millisecond')
       ON CONFLICT (tool_call_id) DO UPDATE
         SET status = 'running', attempt = EXCLUDED.attempt, started_at = now(), completed_at = NULL,
             arguments = EXCLUDED.arguments,
             claimed_by = EXCLUDED.claimed_by, lease_expires_at = EXCLUDED.lease_expires_at
       WHERE tool_calls.status = 'blocked'
         AND (tool_calls.attempt < EXCLUDED.attempt OR ($9::boolean AND tool_calls.grant_id IS NULL))
       RETURNING tool_call_id`,
      [
        request.toolCallId,
        envelope.tenantId,
        envelope.sessionId,
        request.turnId,
        request.tool,
        JSON.stringify(request.arguments),
        request.requestedBy,
        request.attempt,
        request.grant !== undefined,
        claim.owner,
        Math.round(claim.leaseMs),
      ],
    );
    return rows.length === 1;
  }

  /** Extends the owner's lease; false when the call is no longer running under this owner. */
  async renewLease(toolCallId: string, claim: ToolCallClaim): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(ToolCallEntity)
      .set({ leaseExpiresAt: leaseUntil(claim.leaseMs) })
      .where(`tool_call_id = :toolCallId AND status = 'running' AND claimed_by = :owner`, {
        toolCallId,
        owner: claim.owner,
      })
      .execute();
    return result.affected === 1;
  }

  /** True when the call is running and its owner's lease lapsed. */
  async leaseLapsed(toolCallId: string): Promise<boolean> {
    const rows: { lapsed: boolean }[] = await this.dataSource.query(
      `SELECT ${LEASE_LAPSED} AS lapsed FROM tool_calls WHERE tool_call_id = $1 AND status = 'running'`,
      [toolCallId],
    );
    return rows[0]?.lapsed === true;
  }

  /**
   * Records the end of a run. Only a running call can end, and only as the guard allows, in one UPDATE: a late
   * duplicate cannot overwrite a result, and of an owner and an interrupter (or two interrupters) racing,
   * exactly one ends the call; the others see false and publish nothing.
   */
  async finish(
    manager: EntityManager,
    toolCallId: string,
    status: Exclude<ToolCallStatus, 'running'>,
    fields: Pick<ToolCallEntity, 'decision' | 'resultEnvelope' | 'grantId' | 'source' | 'recordedFrom'> &
      Partial<Pick<ToolCallEntity, 'runMs'>>,
    guard: FinishGuard,
  ): Promise<boolean> {
    const update = manager
      .createQueryBuilder()
      .update(ToolCallEntity)
      .set({ status, completedAt: () => 'now()', ...fields })
      .where('tool_call_id = :toolCallId AND status = :running', { toolCallId, running: 'running' });
    if (guard === 'lease-lapsed') update.andWhere(LEASE_LAPSED);
    else update.andWhere('claimed_by = :owner', { owner: guard.owner });
    const result = await update.execute();
    return result.affected === 1;
  }
}
