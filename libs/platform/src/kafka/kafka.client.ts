import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type Envelope } from '#soma/contracts';
import {
  CompressionTypes,
  Kafka,
  logLevel,
  Partitioners,
  type Consumer,
  type ConsumerConfig,
  type LogEntry,
  type Message,
  type Producer,
} from 'kafkajs';
import { SomaConfig } from '../config/soma.config.js';
import { HealthRegistry } from '../health/health.registry.js';
import { AppIdentity } from '../app-identity.config.js';

function kafkaLogCreator(app: string) {
  const logger = new Logger(`kafkajs:${app}`);
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...extra } = log;
      if (level === logLevel.ERROR) logger.error({ msg: message, ...extra });
      else if (level === logLevel.WARN) logger.warn({ msg: message, ...extra });
    };
}

/** One Kafka connection per app: an idempotent producer, and consumers on demand. */
@Injectable()
export class KafkaClient implements OnModuleInit, OnApplicationShutdown {
  readonly kafka: Kafka;
  private readonly producer: Producer;
  private connected = false;
  private readonly consumers: Consumer[] = [];
  /** The consumer groups of this app (their lag is measured by ConsumerLagMonitor). */
  readonly groupIds: string[] = [];

  constructor(config: SomaConfig, identity: AppIdentity, health: HealthRegistry) {
    this.kafka = new Kafka({
      clientId: `soma-${identity.name}`,
      brokers: config.kafkaBrokers,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(identity.name),
      retry: { initialRetryTime: 100, retries: 8 },
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    health.register('kafka', () =>
      this.connected ? Promise.resolve() : Promise.reject(new Error('producer not connected')),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  /** Publishes envelopes keyed by session id, so one session's messages stay ordered. */
  async publish(
    topic: string,
    envelopes: readonly Envelope[],
    keyOf: (e: Envelope) => string = (e) => e.sessionId,
  ) {
    if (envelopes.length === 0) return;
    await this.send(
      topic,
      envelopes.map((envelope) => ({ key: keyOf(envelope), value: JSON.stringify(envelope) })),
    );
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    await this.producer.send({ topic, messages, acks: -1, compression: CompressionTypes.None });
  }

  createConsumer(config: ConsumerConfig): Consumer {
    const consumer = this.kafka.consumer({ maxWaitTimeInMs: 100, ...config });
    if (!this.groupIds.includes(config.groupId)) this.groupIds.push(config.groupId);
    this.consumers.push(consumer);
    return consumer;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.consumers.map((consumer) => consumer.disconnect()));
    this.connected = false;
    await this.producer.disconnect().catch(() => undefined);
  }
}
