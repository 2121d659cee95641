import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type TopicEnvelope } from '#soma/contracts';
import { EndTurnCommand, RunTurnCommand } from '#soma/conversation';
import { type KafkaHandler, type KafkaMessageContext } from '#soma/platform';

type Inbound = TopicEnvelope<typeof Topics.conversationInbound>;

@Injectable()
export class ConversationInboundConsumer implements KafkaHandler<typeof Topics.conversationInbound> {
  readonly topic = Topics.conversationInbound;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: Inbound, { heartbeat }: KafkaMessageContext): Promise<void> {
    await this.commandBus.execute(new RunTurnCommand(envelope, heartbeat));
  }

  /** A message that can never be handled: its turn ends now, with the dead-letter reason. */
  async onDeadLetter(envelope: Inbound, reason: string, detail: string): Promise<void> {
    await this.commandBus.execute(new EndTurnCommand(envelope.payload.turnId, envelope, reason, detail));
  }
}
