import { Injectable } from '@nestjs/common';
import { Topics, type Envelope, type TokenUsage } from '#soma/contracts';
import {
  MessageEntity,
  OutboxRelay,
  TurnEntity,
  UsageLedgerEntity,
  type StagedMessage,
} from '#soma/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { budgetDay } from '../budget/token-budget.js';
import { type FittedContext } from '../history/context-window.js';

const leaseUntil = (leaseMs: number) => () => `now() + interval '${Math.round(leaseMs)} milliseconds'`;

export interface TurnOutcome {
  envelope: Envelope;
  usage: TokenUsage;
  cost: number;
  modelProfileId: string | null;
}

/** Turn state in PostgreSQL, guarded by the lease: only the owner may finish a running turn, exactly once. */
@Injectable()
export class TurnRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
  ) {}

  /** queued → running under a lease; undefined when someone else has (or had) it. */
  async claim(
    turnId: string,
    tenantId: string,
    owner: string,
    leaseMs: number,
  ): Promise<TurnEntity | undefined> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(TurnEntity)
      .set({
        status: 'running',
        startedAt: () => 'now()',
        leaseOwner: owner,
        leaseExpiresAt: leaseUntil(leaseMs),
      })
      .where(`id = :turnId AND tenant_id = :tenantId AND status = 'queued'`, { turnId, tenantId })
      .execute();
    if (result.affected !== 1) return undefined;
    return this.dataSource.getRepository(TurnEntity).findOneByOrFail({ id: turnId });
  }

  /** Extends the lease; false when the turn was taken away (the watchdog failed it). */
  async renewLease(turnId: string, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(TurnEntity)
      .set({ leaseExpiresAt: leaseUntil(leaseMs) })
      .where(`id = :turnId AND status = 'running' AND lease_owner = :owner`, { turnId, owner })
      .execute();
    return result.affected === 1;
  }

  async recordContext(
    turnId: string,
    profileId: string,
    fitted: FittedContext,
    digest: string,
  ): Promise<void> {
    await this.dataSource.getRepository(TurnEntity).update(
      { id: turnId },
      {
        modelProfileId: profileId,
        context: fitted.messages,
        contextTokens: fitted.tokens,
        contextDigest: digest,
        droppedMessages: fitted.dropped,
      },
    );
  }

  userMessage(turn: TurnEntity): Promise<MessageEntity> {
    return this.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: turn.userMessageId });
  }

  /** running → completed: the reply, the ledger line and turn.completed, in one transaction. */
  async complete(
    turn: TurnEntity,
    owner: string,
    reply: { messageId: string; text: string; startedAt: Date; endedAt: Date },
    outcome: TurnOutcome,
  ): Promise<StagedMessage | undefined> {
    return this.finish(turn, owner, 'completed', outcome, async (manager) => {
      await manager.insert(MessageEntity, {
        id: reply.messageId,
        tenantId: turn.tenantId,
        sessionId: turn.sessionId,
        turnId: turn.id,
        role: 'assistant',
        content: reply.text,
      });
      return {
        assistantMessageId: reply.messageId,
        generationStartedAt: reply.startedAt,
        generationEndedAt: reply.endedAt,
      };
    });
  }

  /** queued|running → failed with a code; `owner` null is the watchdog (lease already lapsed). */
  async fail(
    turn: TurnEntity,
    owner: string | null,
    error: { code: string; message: string },
    outcome: TurnOutcome,
  ): Promise<StagedMessage | undefined> {
    return this.finish(turn, owner, 'failed', outcome, () =>
      Promise.resolve({ errorCode: error.code, errorMessage: error.message }),
    );
  }

  /** Running turns whose worker stopped renewing the lease. */
  async lapsed(limit: number): Promise<TurnEntity[]> {
    return this.dataSource
      .getRepository(TurnEntity)
      .createQueryBuilder('t')
      .where(`t.status = 'running' AND t.lease_expires_at < now()`)
      .orderBy('t.lease_expires_at')
      .limit(limit)
      .getMany();
  }

  private async finish(
    turn: TurnEntity,
    owner: string | null,
    status: 'completed' | 'failed',
    outcome: TurnOutcome,
    write: (manager: EntityManager) => Promise<Partial<TurnEntity>>,
  ): Promise<StagedMessage | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const guard = owner === null ? `lease_expires_at < now()` : `lease_owner = :owner`;
      const claimed = await manager
        .createQueryBuilder()
        .update(TurnEntity)
        .set({
          status,
          completedAt: () => 'now()',
          promptTokens: outcome.usage.promptTokens,
          completionTokens: outcome.usage.completionTokens,
        })
        .where(`id = :id AND status = 'running' AND ${guard}`, { id: turn.id, owner })
        .execute();
      if (claimed.affected !== 1) return undefined;
      await manager.update(TurnEntity, { id: turn.id }, await write(manager));
      if (outcome.usage.totalTokens > 0) {
        await manager.insert(UsageLedgerEntity, {
          tenantId: turn.tenantId,
          sessionId: turn.sessionId,
          turnId: turn.id,
          modelProfileId: outcome.modelProfileId,
          day: budgetDay(),
          promptTokens: outcome.usage.promptTokens,
          completionTokens: outcome.usage.completionTokens,
          cost: outcome.cost,
        });
      }
      const seq = (outcome.envelope.payload as { seq: number }).seq;
      await manager.query(`UPDATE sessions SET last_seq = GREATEST(last_seq, $2) WHERE id = $1`, [
        turn.sessionId,
        seq,
      ]);
      return this.outbox.stage(manager, Topics.conversationOutbound, outcome.envelope);
    });
  }
}
