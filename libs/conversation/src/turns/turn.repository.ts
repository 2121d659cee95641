import { Injectable } from '@nestjs/common';
import {
  Topics,
  type Canceller,
  type Envelope,
  type EnvelopeContext,
  type TokenUsage,
} from '#soma/contracts';
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
import {
  SessionEventJournal,
  type OutboundEvent,
  type TurnFence,
} from '../streaming/session-event.journal.js';

const leaseUntil = (leaseMs: number) => () => `now() + interval '${Math.round(leaseMs)} milliseconds'`;

/**
 * Which run may end a turn: the run holding it, a lapsed run (watchdog), whoever finds it still open, or (idle)
 * whoever finds it held by no run: queued, or waiting for a tool.
 */
export type FinishGuard =
  | { kind: 'run'; fence: TurnFence }
  | { kind: 'lost'; attempt: number; owner: string }
  | { kind: 'open' }
  | { kind: 'queued' }
  | { kind: 'idle' };

interface EndingBase {
  usage: TokenUsage;
  cost: number;
  modelProfileId: string | null;
}

/** How a turn ends. A cancelled turn keeps the reply it streamed so far (read from the journal as it ends). */
export type TurnEnding =
  | (EndingBase & {
      status: 'completed';
      terminal: OutboundEvent;
      reply: { messageId: string; text: string; startedAt: Date; endedAt: Date };
    })
  | (EndingBase & { status: 'failed'; terminal: OutboundEvent; error: { code: string; message: string } })
  | (EndingBase & {
      status: 'cancelled';
      cancelledBy: Canceller;
      generation?: { startedAt: Date; endedAt: Date };
    });

/** A run that holds a turn: the turn as claimed, its fence, and the text its earlier run streamed already. */
export interface HeldTurn {
  turn: TurnEntity;
  fence: TurnFence;
  streamed: string;
}

const fenceOf = (turn: TurnEntity): TurnFence => ({
  turnId: turn.id,
  owner: turn.leaseOwner ?? '',
  attempt: turn.attempt,
});

/**
 * The turn state machine, in one place: every transition is one guarded UPDATE, in the transaction that writes
 * what the transition means (messages, outbox rows, journal events), so a turn moves exactly once.
 *
 *   queued ──claim──► running ──awaitTool──► awaiting_tool ──resumeFromTool──► running
 *   running ──takeOver (lease lapsed; attempt + 1)──► running
 *   queued | running | awaiting_tool ──finish──► completed | failed | cancelled   (final)
 *
 * A cancel request (cancel_requested_at, see TurnCancelRequests) stops every transition into running (claim,
 * takeOver, continueWithResult) and every token write; the turn can then only end, as cancelled.
 *
 * A running turn is held by one run, its fence (lease_owner, attempt): the journal refuses events from any
 * other run, so a run that lost its turn cannot write to the stream.
 */
@Injectable()
export class TurnRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly journal: SessionEventJournal,
  ) {}

  find(turnId: string): Promise<TurnEntity | null> {
    return this.dataSource.getRepository(TurnEntity).findOneBy({ id: turnId });
  }

  /**
   * queued → running under a lease, announced by turn.started; undefined when it is not queued, or while an
   * earlier turn of its session is running (the caller waits and asks again).
   */
  claim(turnId: string, ctx: EnvelopeContext, owner: string, leaseMs: number): Promise<HeldTurn | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const moved = await manager
        .createQueryBuilder()
        .update(TurnEntity)
        .set({
          status: 'running',
          startedAt: () => 'now()',
          leaseOwner: owner,
          leaseExpiresAt: leaseUntil(leaseMs),
        })
        // Never while an earlier turn of its session runs: a consumer that was frozen and still reads a
        // partition it lost (a zombie) must not start the next turn beside the one another instance resumed.
        .where(
          `id = :turnId AND tenant_id = :tenantId AND status = 'queued' AND cancel_requested_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM turns earlier WHERE earlier.session_id = turns.session_id
                             AND earlier.position < turns.position AND earlier.status = 'running')`,
          {
            turnId,
            tenantId: ctx.tenantId,
          },
        )
        .returning('*')
        .execute();
      const turn = this.rowOf(moved.raw);
      if (!turn) return undefined;
      await this.journal.appendIn(manager, ctx, turn.id, [{ type: 'turn.started', payload: { turnId } }]);
      return { turn, fence: fenceOf(turn), streamed: '' };
    });
  }

  /**
   * running → running with the next attempt, when the run holding it is gone (its lease lapsed, or it was this
   * instance's own run that stopped); announced by turn.resumed. Returns the text streamed so far.
   */
  takeOver(
    turn: TurnEntity,
    ctx: EnvelopeContext,
    owner: string,
    leaseMs: number,
    ownRunGone: boolean,
  ): Promise<HeldTurn | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const lapsed = ownRunGone
        ? `(lease_expires_at < now() OR lease_owner = :owner)`
        : `lease_expires_at < now()`;
      const moved = await manager
        .createQueryBuilder()
        .update(TurnEntity)
        .set({ attempt: () => 'attempt + 1', leaseOwner: owner, leaseExpiresAt: leaseUntil(leaseMs) })
        .where(
          `id = :id AND status = 'running' AND attempt = :attempt AND cancel_requested_at IS NULL AND ${lapsed}`,
          {
            id: turn.id,
            attempt: turn.attempt,
            owner,
          },
        )
        .returning('*')
        .execute();
      const held = this.rowOf(moved.raw);
      if (!held) return undefined;
      await this.journal.appendIn(manager, ctx, held.id, [
        { type: 'turn.resumed', payload: { turnId: held.id, attempt: held.attempt, instanceId: owner } },
      ]);
      return {
        turn: held,
        fence: fenceOf(held),
        streamed: await this.journal.streamedText(manager, held.id),
      };
    });
  }

  /** Extends the lease; false when this run no longer holds the turn. */
  async renewLease(fence: TurnFence, leaseMs: number): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(TurnEntity)
      .set({ leaseExpiresAt: leaseUntil(leaseMs) })
      .where(`id = :turnId AND status = 'running' AND lease_owner = :owner AND attempt = :attempt`, fence)
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

  /** running → awaiting_tool: the call is recorded, streamed (tool.requested) and staged, atomically. */
  async awaitTool(
    fence: TurnFence,
    ctx: EnvelopeContext,
    call: { toolCallId: string; content: string; waitMs: number; requested: OutboundEvent },
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
        .where(
          `id = :turnId AND status = 'running' AND lease_owner = :owner AND attempt = :attempt
           AND cancel_requested_at IS NULL`,
          fence,
        )
        .returning('*')
        .execute();
      const turn = this.rowOf(moved.raw);
      if (!turn) return undefined;
      await this.addMessage(manager, turn, {
        role: 'assistant',
        content: call.content,
        toolCallId: call.toolCallId,
      });
      await this.journal.appendIn(manager, ctx, turn.id, [call.requested]);
      const staged: StagedMessage[] = [];
      for (const message of outgoing)
        staged.push(await this.outbox.stage(manager, message.topic, message.envelope));
      return staged;
    });
  }

  /**
   * A tool result arrived, in one transaction keyed by its event id: the waiting turn resumes (awaiting_tool →
   * running), or a new running turn starts when none waits for it; the tool message is stored and the result
   * streamed. Undefined when this event was handled already (a redelivery).
   */
  continueWithResult(
    result: {
      turnId: string | null;
      toolCallId: string;
      eventId: string;
      content: string;
      event: (turnId: string) => OutboundEvent;
    },
    ctx: EnvelopeContext,
    owner: string,
    leaseMs: number,
  ): Promise<HeldTurn | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const inserted = await manager.query<unknown[]>(`SELECT 1 FROM messages WHERE source_event_id = $1`, [
        result.eventId,
      ]);
      if (inserted.length > 0) return undefined;
      const resumed = result.turnId
        ? this.rowOf(
            (
              await manager
                .createQueryBuilder()
                .update(TurnEntity)
                .set({
                  status: 'running',
                  leaseOwner: owner,
                  leaseExpiresAt: leaseUntil(leaseMs),
                  pendingToolCallId: null,
                })
                .where(
                  `id = :turnId AND status = 'awaiting_tool' AND pending_tool_call_id = :toolCallId
                   AND cancel_requested_at IS NULL`,
                  { turnId: result.turnId, toolCallId: result.toolCallId },
                )
                .returning('*')
                .execute()
            ).raw,
          )
        : undefined;
      // The result of a call withdrawn by a cancel starts nothing: the cancelled turn ends, nothing follows it.
      if (!resumed && result.turnId && (await this.cancelRequested(manager, result.turnId))) return undefined;
      const turn = resumed ?? (await this.insertToolTurn(manager, ctx, owner, leaseMs));
      await this.addMessage(manager, turn, {
        role: 'tool',
        content: result.content,
        toolCallId: result.toolCallId,
        sourceEventId: result.eventId,
      });
      const events: OutboundEvent[] = resumed ? [] : [{ type: 'turn.started', payload: { turnId: turn.id } }];
      await this.journal.appendIn(manager, ctx, turn.id, [...events, result.event(turn.id)]);
      return { turn, fence: fenceOf(turn), streamed: '' };
    });
  }

  private async cancelRequested(manager: EntityManager, turnId: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `SELECT 1 FROM turns WHERE id = $1 AND cancel_requested_at IS NOT NULL`,
      [turnId],
    );
    return rows.length > 0;
  }

  /** The turn a tool-result event started or resumed (for its redelivery). */
  async turnOfResult(eventId: string): Promise<TurnEntity | null> {
    const message = await this.dataSource.getRepository(MessageEntity).findOneBy({ sourceEventId: eventId });
    return message?.turnId ? this.find(message.turnId) : null;
  }

  /**
   * → completed | failed | cancelled, exactly once: the guarded update, the reply or error, the ledger line and
   * the terminal event, in one transaction. False when the guard did not hold (someone else ended it).
   */
  async finish(
    turn: TurnEntity,
    guard: FinishGuard,
    ending: TurnEnding,
    ctx: EnvelopeContext,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const where = {
        run: `status = 'running' AND lease_owner = :owner AND attempt = :attempt`,
        lost: `status IN ('running', 'awaiting_tool') AND attempt = :attempt
               AND (lease_expires_at < now() OR lease_owner = :owner)`,
        open: `status IN ('queued', 'running', 'awaiting_tool')`,
        queued: `status = 'queued'`,
        idle: `status IN ('queued', 'awaiting_tool')`,
      }[guard.kind];
      const reply =
        ending.status === 'completed'
          ? ending.reply
          : ending.status === 'cancelled'
            ? await this.partialReply(manager, turn.id, ending.generation)
            : undefined;
      const claimed = await manager
        .createQueryBuilder()
        .update(TurnEntity)
        .set({
          status: ending.status,
          completedAt: () => 'now()',
          promptTokens: ending.usage.promptTokens,
          completionTokens: ending.usage.completionTokens,
          errorCode: ending.status === 'failed' ? ending.error.code : null,
          errorMessage: ending.status === 'failed' ? ending.error.message : null,
          generationStartedAt: reply?.startedAt ?? null,
          generationEndedAt: reply?.endedAt ?? null,
          pendingToolCallId: null,
        })
        .where(`id = :id AND ${where}`, {
          id: turn.id,
          ...(guard.kind === 'run' ? guard.fence : guard.kind === 'lost' ? guard : {}),
        })
        .execute();
      if (claimed.affected !== 1) return false;
      if (reply) {
        await manager.insert(MessageEntity, {
          id: reply.messageId,
          tenantId: turn.tenantId,
          sessionId: turn.sessionId,
          turnId: turn.id,
          role: 'assistant',
          content: reply.text,
          status: ending.status === 'cancelled' ? 'cancelled' : 'complete',
        });
        await manager.update(TurnEntity, { id: turn.id }, { assistantMessageId: reply.messageId });
      }
      if (ending.usage.totalTokens > 0) {
        await manager.insert(UsageLedgerEntity, {
          tenantId: turn.tenantId,
          sessionId: turn.sessionId,
          turnId: turn.id,
          modelProfileId: ending.modelProfileId,
          day: budgetDay(),
          promptTokens: ending.usage.promptTokens,
          completionTokens: ending.usage.completionTokens,
          cost: ending.cost,
        });
      }
      // A cancelled turn's pending approval can no longer be answered: the call it asked about is withdrawn.
      if (ending.status === 'cancelled')
        await manager.query(
          `UPDATE tool_approvals SET status = 'withdrawn' WHERE turn_id = $1 AND status = 'pending'`,
          [turn.id],
        );
      const terminal: OutboundEvent =
        ending.status === 'cancelled'
          ? {
              type: 'turn.cancelled',
              payload: {
                turnId: turn.id,
                cancelledBy: ending.cancelledBy,
                messageId: reply?.messageId ?? null,
                usage: ending.usage,
              },
            }
          : ending.terminal;
      await this.journal.appendIn(manager, ctx, turn.id, [terminal]);
      return true;
    });
  }

  /** What a cancelled turn streamed of its reply, exactly as the clients got it; undefined when nothing. */
  private async partialReply(
    manager: EntityManager,
    turnId: string,
    generation: { startedAt: Date; endedAt: Date } | undefined,
  ): Promise<{ messageId: string; text: string; startedAt: Date; endedAt: Date } | undefined> {
    const text = await this.journal.streamedText(manager, turnId);
    if (text === '') return undefined;
    const now = new Date();
    return {
      messageId: randomUUID(),
      text,
      startedAt: generation?.startedAt ?? now,
      endedAt: generation?.endedAt ?? now,
    };
  }

  /** Running or tool-awaiting turns whose lease lapsed. */
  lapsed(limit: number): Promise<TurnEntity[]> {
    return this.dataSource
      .getRepository(TurnEntity)
      .createQueryBuilder('t')
      .where(`t.status IN ('running', 'awaiting_tool') AND t.lease_expires_at < now()`)
      .orderBy('t.lease_expires_at')
      .limit(limit)
      .getMany();
  }

  /** Queued turns that never started: older than `olderThanMs`, and nothing else of their session is open. */
  neverStarted(olderThanMs: number, limit: number): Promise<TurnEntity[]> {
    return this.dataSource
      .getRepository(TurnEntity)
      .createQueryBuilder('t')
      .where(`t.status = 'queued' AND t.created_at < now() - make_interval(secs => :secs)`, {
        secs: olderThanMs / 1000,
      })
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM turns o WHERE o.session_id = t.session_id
           AND o.status IN ('running', 'awaiting_tool'))`,
      )
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM outbox x WHERE x.published_at IS NULL AND x.topic = :topic
           AND x.envelope->'payload'->>'turnId' = t.id::text)`,
        { topic: Topics.conversationInbound },
      )
      .orderBy('t.created_at')
      .limit(limit)
      .getMany();
  }

  /**
   * awaiting_tool stays awaiting_tool, its wait extended to `until`, while the session's user is asked to approve
   * the pending call; streamed (tool.approval_requested) in the same transaction. False when the turn no longer
   * waits for that call, or the ask was streamed already (a redelivery).
   */
  extendToolWait(
    wait: { turnId: string; toolCallId: string; until: Date },
    ctx: EnvelopeContext,
    asked: OutboundEvent,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const moved = await manager
        .createQueryBuilder()
        .update(TurnEntity)
        .set({ leaseExpiresAt: wait.until })
        .where(`id = :turnId AND status = 'awaiting_tool' AND pending_tool_call_id = :toolCallId`, wait)
        .andWhere(
          `NOT EXISTS (SELECT 1 FROM session_events e WHERE e.turn_id = :turnId
             AND e.type = :type AND e.envelope->'payload'->>'toolCallId' = CAST(:askedCall AS text))`,
          { type: asked.type, askedCall: wait.toolCallId },
        )
        .execute();
      if (moved.affected !== 1) return false;
      await this.journal.appendIn(manager, ctx, wait.turnId, [asked]);
      return true;
    });
  }

  private async insertToolTurn(
    manager: EntityManager,
    ctx: EnvelopeContext,
    owner: string,
    leaseMs: number,
  ): Promise<TurnEntity> {
    const id = randomUUID();
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(TurnEntity)
      .values({
        id,
        tenantId: ctx.tenantId,
        sessionId: ctx.sessionId,
        userMessageId: null,
        status: 'running',
        leaseOwner: owner,
        startedAt: () => 'now()',
        leaseExpiresAt: leaseUntil(leaseMs),
      })
      .returning('*')
      .execute();
    const turn = this.rowOf(inserted.raw);
    if (!turn) throw new Error(`turn ${id} was not inserted`);
    return turn;
  }

  private async addMessage(
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

  /** The one row a RETURNING update gave, as an entity (column names mapped). */
  private rowOf(raw: unknown): TurnEntity | undefined {
    const rows = raw as Record<string, unknown>[];
    const row = rows[0];
    if (!row) return undefined;
    return this.dataSource.getRepository(TurnEntity).create({
      id: row.id as string,
      tenantId: row.tenant_id as string,
      sessionId: row.session_id as string,
      userMessageId: row.user_message_id as string | null,
      position: String(row.position),
      status: row.status as TurnEntity['status'],
      leaseOwner: row.lease_owner as string | null,
      attempt: Number(row.attempt),
      modelProfileId: row.model_profile_id as string | null,
      pendingToolCallId: row.pending_tool_call_id as string | null,
      cancelRequestedAt: row.cancel_requested_at as Date | null,
      cancelledBy: row.cancelled_by as TurnEntity['cancelledBy'],
      toolAllowance: row.tool_allowance as TurnEntity['toolAllowance'],
      createdAt: row.created_at as Date,
    });
  }
}
