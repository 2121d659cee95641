import { Injectable } from '@nestjs/common';
import { Topics, type TopicEnvelope } from '#soma/contracts';
import { SessionStreamHub, toStreamEvent } from '#soma/conversation';
import { type KafkaHandler } from '#soma/platform';

/** Every gateway instance sees every outbound event and fans it out to its own clients. */
@Injectable()
export class OutboundEventsConsumer implements KafkaHandler<typeof Topics.conversationOutbound> {
  readonly topic = Topics.conversationOutbound;

  constructor(private readonly hub: SessionStreamHub) {}

  handle(envelope: TopicEnvelope<typeof Topics.conversationOutbound>): Promise<void> {
    this.hub.dispatch(toStreamEvent(envelope));
    return Promise.resolve();
  }
}
