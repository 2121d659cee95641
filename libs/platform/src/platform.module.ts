import { Global, Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { makeGaugeProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { type Topic } from '#soma/contracts';
import { AppIdentity } from './app-identity.config.js';
import { SomaConfig } from './config/soma.config.js';
import { AddressGuard } from './egress/address-guard.js';
import { HealthController } from './health/health.controller.js';
import { HealthRegistry } from './health/health.registry.js';
import { CONSUMER_LAG_METRIC, ConsumerLagMonitor } from './kafka/consumer-lag.monitor.js';
import { KafkaClient } from './kafka/kafka.client.js';
import { KafkaConsumerHost, type KafkaConsumerOptions } from './kafka/kafka-consumer.host.js';
import { type KafkaHandler } from './kafka/kafka-handler.contract.js';
import { RedisService } from './redis/redis.service.js';

/** What every app gets: config, identity, health, metrics, Kafka, Redis and the egress guard. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(identity: AppIdentity, config: SomaConfig): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        PrometheusModule.register({
          path: '/metrics',
          defaultMetrics: { enabled: true },
          defaultLabels: { app: identity.name },
        }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: AppIdentity, useValue: identity },
        { provide: SomaConfig, useValue: config },
        HealthRegistry,
        KafkaClient,
        ConsumerLagMonitor,
        makeGaugeProvider({
          name: CONSUMER_LAG_METRIC,
          help: 'Messages a consumer group of this app is behind on a topic (partition ends minus committed offsets)',
          labelNames: ['group', 'topic'],
        }),
        RedisService,
        // Egress to tenant-given addresses; the operator's allow-list is the only way past it.
        { provide: AddressGuard, useFactory: () => new AddressGuard(config.egressAllowCidrs) },
      ],
      exports: [AppIdentity, SomaConfig, HealthRegistry, KafkaClient, RedisService, AddressGuard],
    };
  }
}

/** Declares the consumer group of an app: the topics it must consume and one handler class per topic. */
export function kafkaConsumers(options: {
  /** Names the provider; several consumer groups may live in one app. */
  name: string;
  groupId: (identity: AppIdentity) => string;
  topics: readonly Topic[];
  handlers: Type<KafkaHandler>[];
  concurrency: (config: SomaConfig) => number;
  mode: KafkaConsumerOptions['mode'];
  /** See KafkaConsumerOptions.inFlight. */
  inFlight?: (config: SomaConfig) => number;
}): Provider[] {
  return [
    ...options.handlers,
    {
      provide: `KafkaConsumerHost:${options.name}`,
      inject: [KafkaClient, AppIdentity, SomaConfig, HealthRegistry, ...options.handlers],
      useFactory: (
        kafka: KafkaClient,
        identity: AppIdentity,
        config: SomaConfig,
        health: HealthRegistry,
        ...handlers: KafkaHandler[]
      ) =>
        new KafkaConsumerHost(
          kafka,
          identity,
          {
            groupId: options.groupId(identity),
            topics: options.topics,
            handlers,
            concurrency: options.concurrency(config),
            mode: options.mode,
            sessionTimeoutMs: config.kafkaSessionTimeoutMs,
            ...(options.inFlight ? { inFlight: options.inFlight(config) } : {}),
          },
          health,
        ),
    },
  ];
}
