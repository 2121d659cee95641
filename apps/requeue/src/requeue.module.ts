import { Module, type Provider, type Type } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { retryTopic, Topics } from '#soma/contracts';
import { PersistenceModule } from '#soma/persistence';
import { HealthRegistry, KafkaClient, kafkaConsumers, SomaConfig } from '#soma/platform';
import {
  deadLetterTopics,
  RawTopicConsumerHost,
  RequeueWorkerModule,
  type RawKafkaHandler,
} from '#soma/requeue';
import { BlockedCallsConsumer } from './blocked/blocked-calls.consumer.js';
import { DeadLettersConsumer } from './dead-letters/dead-letters.consumer.js';
import { ToolResultsConsumer } from './results/tool-results.consumer.js';
import { RetryForwarderConsumer } from './retries/retry-forwarder.consumer.js';

/** A durable consumer of raw (undecoded) messages: `.dlq` and `.retry` topics. */
function rawConsumer(
  name: string,
  groupId: string,
  topics: string[],
  handler: Type<RawKafkaHandler>,
): Provider[] {
  return [
    handler,
    {
      provide: `RawTopicConsumerHost:${name}`,
      inject: [KafkaClient, SomaConfig, HealthRegistry, handler],
      useFactory: (
        kafka: KafkaClient,
        config: SomaConfig,
        health: HealthRegistry,
        instance: RawKafkaHandler,
      ) =>
        new RawTopicConsumerHost(
          kafka,
          {
            groupId,
            topics,
            handler: instance,
            concurrency: 3,
            sessionTimeoutMs: config.kafkaSessionTimeoutMs,
          },
          health,
        ),
    },
  ];
}

/**
 * tool.blocked → requeue items (pending for an admin, or a retry with backoff via tool.requests.retry);
 * tool.results → retried calls resolved; every `.dlq` → the dead-letter store.
 */
@Module({
  imports: [CqrsModule.forRoot(), PersistenceModule, RequeueWorkerModule],
  providers: [
    ...kafkaConsumers({
      name: 'requeue',
      groupId: () => 'soma-requeue',
      topics: [Topics.toolBlocked, Topics.toolResults],
      handlers: [BlockedCallsConsumer, ToolResultsConsumer],
      concurrency: () => 3,
      mode: 'durable',
    }),
    ...rawConsumer(
      'retries',
      'soma-requeue-retries',
      [retryTopic(Topics.toolRequests)],
      RetryForwarderConsumer,
    ),
    ...rawConsumer('dead-letters', 'soma-requeue-dead-letters', deadLetterTopics(), DeadLettersConsumer),
  ],
})
export class RequeueAppModule {}
