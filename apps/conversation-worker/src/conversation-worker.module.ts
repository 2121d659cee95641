import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Topics } from '#soma/contracts';
import { ConversationWorkerModule as ConversationLogicModule } from '#soma/conversation';
import { PersistenceModule } from '#soma/persistence';
import { kafkaConsumers } from '#soma/platform';
import { TurnWatchdog } from './watchdog/turn-watchdog.js';
import { ToolResultsConsumer } from './inbound/tool-results.consumer.js';
import { ConversationInboundConsumer } from './inbound/conversation-inbound.consumer.js';
import { TurnControlConsumer } from './inbound/turn-control.consumer.js';

@Module({
  imports: [CqrsModule.forRoot(), PersistenceModule, ConversationLogicModule],
  providers: [
    TurnWatchdog,
    ...kafkaConsumers({
      name: 'inbound',
      groupId: () => 'soma-conversation-worker',
      topics: [Topics.conversationInbound, Topics.toolResults],
      handlers: [ConversationInboundConsumer, ToolResultsConsumer],
      concurrency: (config) => config.workerConcurrency,
      mode: 'durable',
    }),
    ...kafkaConsumers({
      name: 'control',
      // Each instance has its own group: the instance running a cancelled turn must see the cancel.
      groupId: (identity) => `soma-conversation-worker-control-${identity.instanceId}`,
      topics: [Topics.turnControl],
      handlers: [TurnControlConsumer],
      concurrency: () => 1,
      mode: 'live',
    }),
  ],
})
export class ConversationWorkerAppModule {}
