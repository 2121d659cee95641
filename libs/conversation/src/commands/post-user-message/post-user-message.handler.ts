import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createEnvelope, Topics, type MessagePosted } from '#soma/contracts';
import { MessageEntity, OutboxRelay, SessionEntity, TurnEntity } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { PostUserMessageCommand, type PostedTurn } from './post-user-message.command.js';

/** Persists the user message and a queued turn, and stages the command for the worker in the same transaction. */
@CommandHandler(PostUserMessageCommand)
export class PostUserMessageHandler implements ICommandHandler<PostUserMessageCommand, PostedTurn> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute(command: PostUserMessageCommand): Promise<PostedTurn> {
    const { tenantId, sessionId, content, correlationId } = command;
    const turnId = randomUUID();
    const messageId = randomUUID();
    const outboxId = await this.dataSource.transaction(async (manager) => {
      const session = await manager.findOneBy(SessionEntity, { id: sessionId, tenantId });
      if (!session) throw new ConversationError('SESSION_NOT_FOUND', `session ${sessionId} not found`);
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
      });
      const payload: MessagePosted = { turnId, messageId, content };
      const envelope = createEnvelope(
        'conversation.message.posted',
        { tenantId, sessionId, correlationId },
        payload,
      );
      return this.outbox.stage(manager, Topics.conversationInbound, envelope);
    });
    await this.outbox.flush([outboxId]);
    return { turnId, messageId };
  }
}
