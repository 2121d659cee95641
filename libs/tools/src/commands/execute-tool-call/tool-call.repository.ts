import { Injectable } from '@nestjs/common';
import { type Envelope, type ToolCallRequested } from '#soma/contracts';
import { ToolCallEntity, type ToolCallStatus } from '#soma/persistence';
import { DataSource, type EntityManager } from 'typeorm';

/** The exactly-once store of tool calls. Dumb: the decisions are the handler's. */
@Injectable()
export class ToolCallRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(toolCallId: string): Promise<ToolCallEntity | null> {
    return this.dataSource.manager.findOneBy(ToolCallEntity, { toolCallId });
  }

  /**
   * Atomically takes the call for running: a new call is inserted; a blocked one is taken again only by a later
   * attempt (a requeue retry) or with an override grant. Returns false when the call is someone else's or done.
   */
  async claim(envelope: Envelope<string, ToolCallRequested>): Promise<boolean> {
    const request = envelope.payload;
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO tool_calls (tool_call_id, tenant_id, session_id, turn_id, tool, arguments, requested_by, status, attempt)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8)
       ON CONFLICT (tool_call_id) DO UPDATE
         SET status = 'running', attempt = EXCLUDED.attempt, started_at = now(), completed_at = NULL
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
      ],
    );
    return rows.length === 1;
  }

  /** Records the end of a run; only a running call can end, so a late duplicate cannot overwrite a result. */
  async finish(
    manager: EntityManager,
    toolCallId: string,
    status: Exclude<ToolCallStatus, 'running'>,
    fields: Pick<ToolCallEntity, 'decision' | 'resultEnvelope' | 'grantId' | 'source' | 'recordedFrom'>,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(ToolCallEntity)
      .set({ status, completedAt: () => 'now()', ...fields })
      .where('tool_call_id = :toolCallId AND status = :running', { toolCallId, running: 'running' })
      .execute();
    return result.affected === 1;
  }
}
