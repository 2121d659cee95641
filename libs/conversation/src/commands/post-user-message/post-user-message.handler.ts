import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createEnvelope, Topics, type MessagePosted } from '#soma/contracts';
import { MessageEntity, OutboxRelay, SessionEntity, TurnEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { remainingTokens } from '../../budget/token-budget.js';
import { TokenBudgetRepository } from '../../budget/token-budget.repository.js';
import { ConversationError } from '../../conversation.errors.js';
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
  ) {}

  async execute(command: PostUserMessageCommand): Promise<PostedTurn> {
    const { tenantId, sessionId, content, correlationId, idempotencyKey } = command;
    const session = await this.dataSource.getRepository(SessionEntity).findOneBy({ id: sessionId, tenantId });
    if (!session) throw new ConversationError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
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
        });
        const payload: MessagePosted = { turnId, messageId, content, principal: command.principal };
        const envelope = createEnvelope(
          'conversation.message.posted',
          { tenantId, sessionId, correlationId },
          payload,
        );
        return this.outbox.stage(manager, Topics.conversationInbound, envelope);
      });
      await this.outbox.flush([staged]);
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
