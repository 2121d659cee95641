import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Topics, type TopicEnvelope } from '#soma/contracts';
import { type KafkaHandler } from '#soma/platform';
import { RecordWebhookEventCommand } from '#soma/webhooks';

@Injectable()
export class WebhookEventsConsumer implements KafkaHandler<typeof Topics.conversationOutbound> {
  readonly topic = Topics.conversationOutbound;

  constructor(private readonly commandBus: CommandBus) {}

  async handle(envelope: TopicEnvelope<typeof Topics.conversationOutbound>): Promise<void> {
    await this.commandBus.execute(new RecordWebhookEventCommand(envelope));
  }
}
