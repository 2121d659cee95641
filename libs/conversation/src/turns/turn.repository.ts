import { Injectable } from '@nestjs/common';
import { Topics, type Envelope, type TokenUsage } from '#soma/contracts';
import {
  MessageEntity,
  OutboxRelay,
  TurnEntity,
  UsageLedgerEntity,
  type StagedMessage,
} from '#soma/persistence';
import { randomUUID } from 'node:crypto';
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

  /** The turn's own messages so far (user message, tool call, tool result), in order. */
  messagesOf(turn: TurnEntity): Promise<MessageEntity[]> {
    return this.dataSource
      .getRepository(MessageEntity)
      .find({ where: { turnId: turn.id }, order: { position: 'ASC' } });
  }

  /** running → awaiting_tool: the model's call is recorded and staged for the tool executor, atomically. */
  async awaitTool(
    turn: TurnEntity,
    owner: string,
    call: { toolCallId: string; content: string; waitMs: number },
    outgoing: readonly { topic: string; envelope: Envelope }[],
  ): Promise<StagedMessage[] | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const moved = await manager
        .createQueryBuilder()
        .update(TurnEntity)
        .set({
          status: 'awaiting_tool',
          pendingToolCallId: call.toolCallId,
          leaseExpiresAt: leaseUntil(call.waitMs),
        })
        .where(`id = :id AND status = 'running' AND lease_owner = :owner`, { id: turn.id, owner })
        .execute();
      if (moved.affected !== 1) return undefined;
      await this.addMessage(manager, turn, {
        role: 'assistant',
        content: call.content,
        toolCallId: call.toolCallId,
      });
      const staged: StagedMessage[] = [];
      for (const message of outgoing)
        staged.push(await this.outbox.stage(manager, message.topic, message.envelope));
      return staged;
    });
  }

  /** awaiting_tool → running when the awaited result arrives; undefined if the turn is not waiting for it. */
  async resumeFromTool(turnId: string, toolCallId: string, owner: string, leaseMs: number) {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(TurnEntity)
      .set({
        status: 'running',
        leaseOwner: owner,
        leaseExpiresAt: leaseUntil(leaseMs),
        pendingToolCallId: null,
      })
      .where(`id = :turnId AND status = 'awaiting_tool' AND pending_tool_call_id = :toolCallId`, {
        turnId,
        toolCallId,
      })
      .execute();
    if (result.affected !== 1) return undefined;
    return this.dataSource.getRepository(TurnEntity).findOneByOrFail({ id: turnId });
  }

  /** A turn started by a tool result that no turn waits for (an explicit user call, or an approved one). */
  async startToolTurn(
    tenantId: string,
    sessionId: string,
    owner: string,
    leaseMs: number,
  ): Promise<TurnEntity> {
    const id = randomUUID();
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(TurnEntity)
      .values({
        id,
        tenantId,
        sessionId,
        userMessageId: null,
        status: 'running',
        leaseOwner: owner,
        startedAt: () => 'now()',
        leaseExpiresAt: leaseUntil(leaseMs),
      })
      .execute();
    return this.dataSource.getRepository(TurnEntity).findOneByOrFail({ id });
  }

  /** Whether a message of this Kafka event was recorded already (a redelivered tool result). */
  seenEvent(eventId: string): Promise<boolean> {
    return this.dataSource.getRepository(MessageEntity).existsBy({ sourceEventId: eventId });
  }

  async addMessage(
    manager: EntityManager,
    turn: TurnEntity,
    message: { role: 'assistant' | 'tool'; content: string; toolCallId: string; sourceEventId?: string },
  ): Promise<void> {
    await manager.insert(MessageEntity, {
      id: randomUUID(),
      tenantId: turn.tenantId,
      sessionId: turn.sessionId,
      turnId: turn.id,
      role: message.role,
      content: message.content,
      toolCallId: message.toolCallId,
      sourceEventId: message.sourceEventId ?? null,
    });
  }

  addToolResult(turn: TurnEntity, content: string, toolCallId: string, sourceEventId: string): Promise<void> {
    return this.addMessage(this.dataSource.manager, turn, {
      role: 'tool',
      content,
      toolCallId,
      sourceEventId,
    });
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
      .where(`t.status IN ('running', 'awaiting_tool') AND t.lease_expires_at < now()`)
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
        .where(`id = :id AND status IN ('running', 'awaiting_tool') AND ${guard}`, { id: turn.id, owner })
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
