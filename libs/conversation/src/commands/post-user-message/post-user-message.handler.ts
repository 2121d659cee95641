import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createEnvelope, Topics, type MessagePosted } from '#soma/contracts';
import { MessageEntity, OutboxRelay, SessionEntity, TurnEntity, type StagedMessage } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { remainingTokens } from '../../budget/token-budget.js';
import { TokenBudgetRepository } from '../../budget/token-budget.repository.js';
import { ConversationError } from '../../conversation.errors.js';
import { ModelProfileRepository } from '../../profiles/model-profile.repository.js';
import { allowanceProblem } from '../../tools/tool-allowance.js';
import { TurnCancelRequests } from '../../turns/turn-cancel-requests.js';
import { PostUserMessageCommand, type PostedTurn } from './post-user-message.command.js';

const secondsToUtcMidnight = (): number => {
  const now = new Date();
  return Math.ceil(
    (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000,
  );
};

/** Persists the user message and a queued turn, and stages the command for the worker in the same transaction. */
@CommandHandler(PostUserMessageCommand)
export class PostUserMessageHandler implements ICommandHandler<PostUserMessageCommand, PostedTurn> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly budgets: TokenBudgetRepository,
    private readonly cancels: TurnCancelRequests,
    private readonly profiles: ModelProfileRepository,
  ) {}

  async execute(command: PostUserMessageCommand): Promise<PostedTurn> {
    const { tenantId, sessionId, content, correlationId, idempotencyKey } = command;
    const session = await this.dataSource.getRepository(SessionEntity).findOneBy({ id: sessionId, tenantId });
    if (!session) throw new ConversationError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
    if (command.toolAllowance) {
      const problem = allowanceProblem(
        command.toolAllowance,
        await this.profiles.find(session.modelProfileId),
      );
      if (problem) {
        const field =
          problem.index === null ? 'toolAllowance.choice' : `toolAllowance.tools.${problem.index}`;
        throw new ConversationError('TOOL_NOT_ALLOWED', problem.message, { field });
      }
    }
    const earlier = idempotencyKey ? await this.replay(sessionId, idempotencyKey, content) : undefined;
    if (earlier) return earlier;
    const [limits, usage] = await Promise.all([
      this.budgets.limits(tenantId),
      this.budgets.usage(tenantId, sessionId),
    ]);
    if (remainingTokens(limits, usage) <= 0) {
      throw new ConversationError(
        'BUDGET_EXCEEDED',
        'the token budget of this tenant or session is used up',
        {
          retryAfterSeconds: secondsToUtcMidnight(),
          limits,
          usage,
        },
      );
    }
    const turnId = randomUUID();
    const messageId = randomUUID();
    try {
      const staged = await this.dataSource.transaction(async (manager) => {
        const cancels = await this.whileBusy(manager, command);
        await manager.insert(MessageEntity, {
          id: messageId,
          tenantId,
          sessionId,
          turnId,
          role: 'user',
          content,
        });
        await manager.insert(TurnEntity, {
          id: turnId,
          tenantId,
          sessionId,
          userMessageId: messageId,
          status: 'queued',
          idempotencyKey,
          toolAllowance: command.toolAllowance,
        });
        const payload: MessagePosted = { turnId, messageId, content, principal: command.principal };
        const envelope = createEnvelope(
          'conversation.message.posted',
          { tenantId, sessionId, correlationId },
          payload,
        );
        return [...cancels, await this.outbox.stage(manager, Topics.conversationInbound, envelope)];
      });
      await this.outbox.flush(staged);
    } catch (error) {
      // Two requests with one Idempotency-Key raced: the loser answers with the winner's turn.
      const raced =
        idempotencyKey && error instanceof QueryFailedError
          ? await this.replay(sessionId, idempotencyKey, content)
          : undefined;
      if (raced) return raced;
      throw error;
    }
    return { turnId, messageId, replayed: false };
  }

  /**
   * Applies ifBusy under a per-session lock, so two posts cannot both find the session idle: reject refuses,
   * interrupt asks every open turn to cancel (their control messages are returned, to be sent with the message).
   */
  private async whileBusy(manager: EntityManager, command: PostUserMessageCommand): Promise<StagedMessage[]> {
    const { tenantId, sessionId, ifBusy, principal } = command;
    if (ifBusy === 'enqueue') return [];
    // Posts of one session serialize on this lock (not the session row, which journal writers take after the
    // turn row: that order would deadlock with a cancel request).
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 11))`, [sessionId]);
    const open = await this.cancels.open(manager, tenantId, sessionId);
    const busy = open.find((turn) => turn.status !== 'queued') ?? open[0];
    if (!busy) return [];
    if (ifBusy === 'reject') {
      throw new ConversationError('TURN_IN_PROGRESS', `turn ${busy.id} of this session is still open`, {
        turnId: busy.id,
      });
    }
    const ctx = { tenantId, sessionId, correlationId: command.correlationId, causationId: null };
    const staged: StagedMessage[] = [];
    for (const turn of open) {
      const requested = await this.cancels.request(manager, turn.id, ctx, { ...principal, via: 'interrupt' });
      if (requested) staged.push(requested.staged);
    }
    return staged;
  }

  private async replay(sessionId: string, key: string, content: string): Promise<PostedTurn | undefined> {
    const turn = await this.dataSource
      .getRepository(TurnEntity)
      .findOneBy({ sessionId, idempotencyKey: key });
    if (!turn?.userMessageId) return undefined;
    const message = await this.dataSource
      .getRepository(MessageEntity)
      .findOneByOrFail({ id: turn.userMessageId });
    if (message.content !== content) {
      throw new ConversationError(
        'IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key was used with a different message',
      );
    }
    return { turnId: turn.id, messageId: message.id, replayed: true };
  }
}
