import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type Envelope, type MessagePosted } from '#soma/contracts';
import { RunTurnCommand } from '#soma/conversation';
import { type KafkaHandler } from '#soma/platform';

@Injectable()
export class ConversationInboundConsumer implements KafkaHandler {
  readonly topic = Topics.conversationInbound;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: Envelope): Promise<void> {
    await this.commandBus.execute(new RunTurnCommand(envelope as Envelope<string, MessagePosted>));
  }
}
