import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Topics } from '#soma/contracts';
import { PersistenceModule } from '#soma/persistence';
import { kafkaConsumers } from '#soma/platform';
import { ToolsExecutorModule } from '#soma/tools';
import { ToolRequestsConsumer } from './requests/tool-requests.consumer.js';

/** Consumes tool.requests: validate → policy (OPA + OpenFGA) → sandbox → tool.results (and tool.blocked). */
@Module({
  imports: [CqrsModule.forRoot(), PersistenceModule, ToolsExecutorModule],
  providers: [
    ...kafkaConsumers({
      name: 'requests',
      groupId: () => 'soma-tool-executor',
      topics: [Topics.toolRequests],
      handlers: [ToolRequestsConsumer],
      concurrency: (config) => config.toolConcurrency,
      mode: 'durable',
    }),
  ],
})
export class ToolExecutorAppModule {}
