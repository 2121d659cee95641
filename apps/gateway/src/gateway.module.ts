import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Topics } from '#soma/contracts';
import { ConversationApiModule } from '#soma/conversation';
import { IdentityModule } from '#soma/identity';
import { PersistenceModule } from '#soma/persistence';
import { kafkaConsumers } from '#soma/platform';
import { OutboundEventsConsumer } from './outbound/outbound-events.consumer.js';
import { SessionEventsController } from './sessions/session-events.controller.js';
import { SessionsController } from './sessions/sessions.controller.js';

@Module({
  imports: [CqrsModule.forRoot(), PersistenceModule, IdentityModule, ConversationApiModule],
  controllers: [SessionsController, SessionEventsController],
  providers: [
    ...kafkaConsumers({
      // Each instance has its own group: every instance must see every event of the sessions it serves.
      groupId: (identity) => `soma-gateway-live-${identity.instanceId}`,
      topics: [Topics.conversationOutbound],
      handlers: [OutboundEventsConsumer],
      concurrency: () => 6,
      mode: 'live',
    }),
  ],
})
export class GatewayModule {}
