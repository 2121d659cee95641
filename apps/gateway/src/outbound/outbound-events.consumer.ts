import { Injectable } from '@nestjs/common';
import { Topics, type Envelope } from '#soma/contracts';
import { SessionStreamHub, toStreamEvent } from '#soma/conversation';
import { type KafkaHandler } from '#soma/platform';

/** Every gateway instance sees every outbound event and fans it out to its own clients. */
@Injectable()
export class OutboundEventsConsumer implements KafkaHandler {
  readonly topic = Topics.conversationOutbound;

  constructor(private readonly hub: SessionStreamHub) {}

  handle(envelope: Envelope): Promise<void> {
    return this.hub.dispatch(toStreamEvent(envelope));
  }
}
