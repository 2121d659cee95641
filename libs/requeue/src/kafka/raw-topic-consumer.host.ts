import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type HealthRegistry, type KafkaClient } from '#soma/platform';
import { type Consumer, type EachMessagePayload } from 'kafkajs';
import { headersToText, type RawDeadLetter } from '../dead-letters/dead-letter.parser.js';

/** A message as read, undecoded: dead letters may be anything, and retry topics carry their own headers. */
export type RawKafkaMessage = RawDeadLetter;

export interface RawKafkaHandler {
  handle(message: RawKafkaMessage, heartbeat: () => Promise<void>): Promise<void>;
}

const HEARTBEAT_MS = 3000;
const MAX_BACKOFF_MS = 10_000;

/**
 * A durable consumer for topics whose messages are not envelopes of their topic (`.dlq`, `.retry`). It is the
 * last stop of a message, so it never gives one up: a failing handler is retried with capped backoff (the
 * store is down, say) and the offset is committed only after the handler succeeded.
 */
export class RawTopicConsumerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(RawTopicConsumerHost.name);
  private consumer: Consumer | undefined;
  private joined = false;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly options: {
      groupId: string;
      topics: string[];
      handler: RawKafkaHandler;
      concurrency: number;
      sessionTimeoutMs: number;
    },
    health: HealthRegistry,
  ) {
    health.register(`consumer:${options.groupId}`, () =>
      this.joined ? Promise.resolve() : Promise.reject(new Error('consumer group not joined yet')),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const consumer = this.kafka.createConsumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: HEARTBEAT_MS,
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    consumer.on(consumer.events.CRASH, () => {
      this.joined = false;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.concurrency,
      eachMessage: (payload) => this.onMessage(payload),
    });
  }

  private async onMessage({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const raw: RawKafkaMessage = {
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: headersToText(message.headers),
    };
    const beat = setInterval(() => {
      heartbeat().catch(() => undefined);
    }, HEARTBEAT_MS);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.options.handler.handle(raw, heartbeat);
          break;
        } catch (error) {
          this.logger.error({
            msg: 'raw message handler failed; retrying',
            topic,
            partition,
            offset: message.offset,
            attempt,
            error: (error as Error).message,
          });
          await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_BACKOFF_MS, 200 * 2 ** attempt)));
        }
      }
    } finally {
      clearInterval(beat);
    }
    await this.consumer?.commitOffsets([
      { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
    ]);
  }
}
