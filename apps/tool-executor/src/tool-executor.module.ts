import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Topics } from '#soma/contracts';
import { PersistenceModule } from '#soma/persistence';
import { kafkaConsumers } from '#soma/platform';
import { ToolsExecutorModule } from '#soma/tools';
import { ToolRequestsConsumer } from './requests/tool-requests.consumer.js';
import { TurnControlConsumer } from './requests/turn-control.consumer.js';

/**
 * Consumes tool.requests: validate → policy (OPA + OpenFGA) → sandbox → tool.results (and tool.blocked); and
 * turn.control, to kill the call of a cancelled turn.
 */
@Module({
  imports: [CqrsModule.forRoot(), PersistenceModule, ToolsExecutorModule],
  providers: [
    ...kafkaConsumers({
      name: 'requests',
      groupId: () => 'soma-tool-executor',
      topics: [Topics.toolRequests],
      handlers: [ToolRequestsConsumer],
      concurrency: (config) => config.toolConcurrency,
      // Requests are taken ahead of free slots (and wait fairly per tenant in the executor's ToolSlots): one
      // slow call must not hold back the calls behind it on its partition, nor kafkajs's next fetch.
      inFlight: (config) => config.toolMaxInFlight,
      mode: 'durable',
    }),
    ...kafkaConsumers({
      name: 'control',
      // Each instance has its own group: the instance running a withdrawn call must see the cancel.
      groupId: (identity) => `soma-tool-executor-control-${identity.instanceId}`,
      topics: [Topics.turnControl],
      handlers: [TurnControlConsumer],
      concurrency: () => 1,
      mode: 'live',
    }),
  ],
})
export class ToolExecutorAppModule {}
