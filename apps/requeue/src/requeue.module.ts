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
import { WebhooksWorkerModule } from '#soma/webhooks';
import { BlockedCallsConsumer } from './blocked/blocked-calls.consumer.js';
import { DeadLettersConsumer } from './dead-letters/dead-letters.consumer.js';
import { ToolResultsConsumer } from './results/tool-results.consumer.js';
import { RetryForwarderConsumer } from './retries/retry-forwarder.consumer.js';
import { WebhookDeliveriesConsumer } from './webhooks/webhook-deliveries.consumer.js';
import { WebhookEventsConsumer } from './webhooks/webhook-events.consumer.js';

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
 * tool.results → retried calls resolved; every `.dlq` → the dead-letter store; conversation.outbound → webhook
 * deliveries, which a worker sends, retries and dead-letters.
 */
@Module({
  imports: [CqrsModule.forRoot(), PersistenceModule, RequeueWorkerModule, WebhooksWorkerModule],
  providers: [
    ...kafkaConsumers({
      name: 'requeue',
      groupId: () => 'soma-requeue',
      topics: [Topics.toolBlocked, Topics.toolResults],
      handlers: [BlockedCallsConsumer, ToolResultsConsumer],
      concurrency: () => 3,
      mode: 'durable',
    }),
    ...kafkaConsumers({
      name: 'webhooks',
      groupId: () => 'soma-webhooks',
      topics: [Topics.conversationOutbound],
      handlers: [WebhookEventsConsumer],
      concurrency: () => 3,
      mode: 'durable',
    }),
    WebhookDeliveriesConsumer,
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
