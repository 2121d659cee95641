import { Injectable } from '@nestjs/common';
import { type ApprovalStatus } from '#soma/contracts';
import {
  keysetPage,
  SessionEntity,
  ToolApprovalEntity,
  ToolCallEntity,
  type KeysetPage,
  type PageRequest,
} from '#soma/persistence';
import { DataSource, type EntityManager } from 'typeorm';

export interface ApprovalAnswer {
  status: Extract<ApprovalStatus, 'approved' | 'edited' | 'rejected'>;
  answeredBy: string;
  answerArguments: Record<string, unknown> | null;
  answerMessage: string | null;
}

/** Pending tool approvals of the chat. Dumb: who may answer, and what an answer does, is the handlers'. */
@Injectable()
export class ToolApprovalRepository {
  constructor(private readonly dataSource: DataSource) {}

  session(tenantId: string, sessionId: string): Promise<SessionEntity | null> {
    return this.dataSource.getRepository(SessionEntity).findOneBy({ id: sessionId, tenantId });
  }

  find(tenantId: string, sessionId: string, toolCallId: string): Promise<ToolApprovalEntity | null> {
    return this.dataSource.getRepository(ToolApprovalEntity).findOneBy({ tenantId, sessionId, toolCallId });
  }

  /** A session's approvals with this status, oldest first; `pending` leaves out those whose deadline passed. */
  list(
    tenantId: string,
    sessionId: string,
    status: ApprovalStatus,
    page: PageRequest,
  ): Promise<KeysetPage<ToolApprovalEntity>> {
    const query = this.dataSource
      .getRepository(ToolApprovalEntity)
      .createQueryBuilder('a')
      .where('a.tenant_id = :tenantId AND a.session_id = :sessionId', { tenantId, sessionId });
    if (status === 'pending') query.andWhere(`a.status = 'pending' AND a.expires_at > now()`);
    else if (status === 'expired')
      query.andWhere(`(a.status = 'expired' OR (a.status = 'pending' AND a.expires_at <= now()))`);
    else query.andWhere('a.status = :status', { status });
    const order = {
      keys: [
        { expr: 'a.created_at', type: 'timestamptz' },
        { expr: 'a.id', type: 'uuid' },
      ],
      direction: 'ASC',
    } as const;
    return keysetPage(query, order, page, (approval) => approval);
  }

  /**
   * pending → the answer, exactly once: one guarded UPDATE, in the caller's transaction. False when the approval
   * was answered already or its deadline passed (a concurrent second answer waits for the first, then sees false).
   */
  async answer(manager: EntityManager, id: string, answer: ApprovalAnswer): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(ToolApprovalEntity)
      .set({
        status: answer.status,
        answeredBy: answer.answeredBy,
        answeredAt: () => 'now()',
        answerArguments: answer.answerArguments ?? undefined,
        answerMessage: answer.answerMessage,
      })
      .where(`id = :id AND status = 'pending' AND expires_at > now()`, { id })
      .execute();
    return result.affected === 1;
  }

  /** The call ends as rejected, with the result a redelivered request gets back (it is never run). */
  async recordRejection(manager: EntityManager, toolCallId: string, resultEnvelope: object): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(ToolCallEntity)
      .set({ status: 'rejected', resultEnvelope, completedAt: () => 'now()' })
      .where(`tool_call_id = :toolCallId AND status = 'blocked'`, { toolCallId })
      .execute();
  }

  /** pending → expired once the deadline passed (the watchdog ended its turn with TOOL_TIMEOUT). */
  async expire(id: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(ToolApprovalEntity)
      .set({ status: 'expired' })
      .where(`id = :id AND status = 'pending' AND expires_at <= now()`, { id })
      .execute();
  }
}
