import { Command } from '@nestjs/cqrs';
import { type Topics, type TopicEnvelope } from '#soma/contracts';

/** An outbound event some webhook may subscribe to: one delivery row per subscribed endpoint. */
export class RecordWebhookEventCommand extends Command<number> {
  constructor(readonly envelope: TopicEnvelope<typeof Topics.conversationOutbound>) {
    super();
  }
}
