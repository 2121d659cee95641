import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { deadLetterTopic, decodeEnvelope, type Topic, type TopicEnvelope } from '#soma/contracts';
import { Counter, register } from 'prom-client';
import { type Consumer, type EachMessagePayload, type IHeaders } from 'kafkajs';
import { correlationStore } from '../logging/json.logger.js';
import { type KafkaClient } from './kafka.client.js';
import { type KafkaHandler } from './kafka-handler.contract.js';
import { CommitWindow } from './commit-window.js';
import { backoffMs, classifyFailure, dispositionOf, persist } from '../faults/failure.js';
import { type AppIdentity } from '../app-identity.config.js';
import { type HealthRegistry } from '../health/health.registry.js';
import { activeSpan, contextOfCarrier, inSpan, SpanKind } from '../tracing/spans.js';

export interface KafkaConsumerOptions {
  groupId: string;
  /** Topics this app must consume; boot fails unless each has exactly one handler. */
  topics: readonly Topic[];
  handlers: readonly KafkaHandler[];
  concurrency: number;
  /** 'durable': commit after the handler's writes are durable. 'live': fan-out, auto commit, start at the end. */
  mode: 'durable' | 'live';
  /** How long a silent member keeps its partitions: bounds the hand-over after a crash. */
  sessionTimeoutMs: number;
  attempts?: number;
  /**
   * Durable mode only. Without it a partition's next message waits for the handler of the one before, and
   * kafkajs fetches again only once every partition's batch is done, so one slow message holds back all the
   * others. With it, up to `inFlight` messages (all partitions together) are handed to their handlers without
   * waiting for earlier ones, and each partition's offset is committed past the longest finished prefix only
   * (CommitWindow). Handlers must be idempotent on eventId and do their own fair queueing if they need it.
   */
  inFlight?: number;
}

const HEARTBEAT_MS = 3000;
const RETRIES_METRIC = 'kafka_consumer_retries_total';

/** Transient failures retried by consumers, by group, topic and failure code (alert when it keeps rising). */
const consumerRetries = (): Counter =>
  (register.getSingleMetric(RETRIES_METRIC) as Counter | undefined) ??
  new Counter({
    name: RETRIES_METRIC,
    help: 'Messages whose handler failed transiently and is retried without committing',
    labelNames: ['group', 'topic', 'code'],
  });

/** Runs one consumer group: validate → dead-letter or handle → commit. Never crashes on a bad message. */
export class KafkaConsumerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(KafkaConsumerHost.name);
  private readonly byTopic = new Map<string, KafkaHandler>();
  private consumer: Consumer | undefined;
  private joined = false;
  /** In-flight mode: one window per partition of the current generation, and the free handler slots. */
  private windows = new Map<string, CommitWindow>();
  private running = 0;
  private readonly slotFreed: (() => void)[] = [];

  constructor(
    private readonly kafka: KafkaClient,
    private readonly identity: AppIdentity,
    private readonly options: KafkaConsumerOptions,
    health: HealthRegistry,
  ) {
    // Ready only once the group is joined: a live consumer must not miss what a client expects to see.
    health.register(`consumer:${options.groupId}`, () =>
      this.joined ? Promise.resolve() : Promise.reject(new Error('consumer group not joined yet')),
    );
    for (const handler of options.handlers) {
      if (this.byTopic.has(handler.topic)) throw new Error(`two handlers for topic ${handler.topic}`);
      this.byTopic.set(handler.topic, handler);
    }
    const missing = options.topics.filter((topic) => !this.byTopic.has(topic));
    const extra = [...this.byTopic.keys()].filter((topic) => !options.topics.includes(topic as Topic));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(
        `consumer ${options.groupId}: no handler for [${missing.join(', ')}], unexpected [${extra.join(', ')}]`,
      );
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const live = this.options.mode === 'live';
    const consumer = this.kafka.createConsumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: HEARTBEAT_MS,
      retry: {
        retries: 10,
        // kafkajs gives up on "non-retriable" errors (a member evicted during a rebalance, say); a consumer of
        // this platform must never stop consuming, so it always restarts and rejoins.
        restartOnFailure: (error) => {
          this.logger.error({
            msg: 'consumer crashed; restarting',
            groupId: this.options.groupId,
            error: error.message,
          });
          return Promise.resolve(true);
        },
      },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
      // A new generation starts from the committed offsets: messages still in flight from the last one are
      // redelivered into new windows; a late finish of an old one commits only what it really finished.
      this.windows = new Map();
    });
    consumer.on(consumer.events.CRASH, () => {
      this.joined = false;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: !live });
    await consumer.run({
      autoCommit: live,
      partitionsConsumedConcurrently: this.options.concurrency,
      eachMessage: (payload) =>
        this.options.inFlight !== undefined && !live ? this.handOff(payload) : this.onMessage(payload),
    });
  }

  /**
   * In-flight mode: waits (heartbeating) for a free handler slot, starts the message's handling without
   * awaiting it, and commits the partition's finished prefix whenever it grows.
   */
  private async handOff(payload: EachMessagePayload): Promise<void> {
    const limit = this.options.inFlight ?? 1;
    while (this.running >= limit) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, HEARTBEAT_MS);
        this.slotFreed.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await payload.heartbeat().catch(() => undefined);
    }
    const { topic, partition, message } = payload;
    const key = `${topic}:${partition}`;
    let window = this.windows.get(key);
    if (!window) {
      window = new CommitWindow();
      this.windows.set(key, window);
    }
    const own = window;
    own.start(message.offset);
    this.running++;
    void this.onMessage(payload, false)
      .catch((error: unknown) => {
        // onMessage persists its dead letters and retries transient failures; what escapes is a rebalance:
        // the partition's new owner gets the message again (nothing is committed past it).
        this.logger.warn({
          msg: 'in-flight message left to the next owner',
          topic,
          partition,
          offset: message.offset,
          error: (error as Error).message,
        });
        return 'left' as const;
      })
      .then(async (outcome) => {
        this.running--;
        this.slotFreed.shift()?.();
        if (outcome === 'left') return;
        const commit = own.finish(message.offset);
        if (commit !== null) await this.commit(topic, partition, commit, message.offset);
      });
  }

  private async onMessage(
    { topic, partition, message, heartbeat }: EachMessagePayload,
    commitHere = true,
  ): Promise<void> {
    const decoded = decodeEnvelope(topic as Topic, message.value);
    if (!decoded.ok) {
      this.logger.warn({
        msg: 'dead-lettering invalid message',
        topic,
        partition,
        offset: message.offset,
        code: decoded.code,
        detail: decoded.detail,
      });
      await persist(() =>
        this.deadLetter(
          topic,
          partition,
          message.offset,
          message.key,
          message.value,
          message.headers,
          decoded.code,
          decoded.detail,
        ),
      );
    } else {
      const { envelope } = decoded;
      const handle = () =>
        correlationStore.run({ correlationId: envelope.correlationId }, () => {
          // Logged in the new trace's span: the line carries the trace id the message is handled in.
          if (decoded.droppedTraceContext)
            this.logger.warn({
              msg: 'malformed trace context dropped: the message is handled in a new trace',
              topic,
              eventId: envelope.eventId,
              reason: decoded.droppedTraceContext,
            });
          return this.handleWithRetries(
            topic,
            partition,
            message.offset,
            envelope,
            heartbeat,
            message.key,
            message.value,
            message.headers,
          );
        });
      const parent = contextOfCarrier(envelope);
      // A streamed token is one of thousands in a turn: its handling joins the turn's trace (its log lines carry
      // the trace id) without a span of its own, which would bury the trace.
      if (envelope.type === 'token') await context.with(parent, handle);
      else
        await inSpan(
          `process ${topic}`,
          {
            kind: SpanKind.CONSUMER,
            parent,
            attributes: {
              'messaging.system': 'kafka',
              'messaging.operation.type': 'process',
              'messaging.operation.name': 'process',
              'messaging.destination.name': topic,
              'messaging.destination.partition.id': String(partition),
              'messaging.consumer.group.name': this.options.groupId,
              'messaging.message.id': envelope.eventId,
              'messaging.kafka.offset': Number(message.offset),
              'soma.message.type': envelope.type,
              'soma.tenant.id': envelope.tenantId,
              'soma.session.id': envelope.sessionId,
              'soma.correlation.id': envelope.correlationId,
            },
          },
          handle,
        );
    }
    if (this.options.mode === 'durable' && commitHere)
      await this.commit(topic, partition, (BigInt(message.offset) + 1n).toString(), message.offset);
  }

  private async commit(topic: string, partition: number, next: string, offset: string): Promise<void> {
    try {
      await this.consumer?.commitOffsets([{ topic, partition, offset: next }]);
    } catch (error) {
      // A rebalance took the partition away: the new owner gets the message again, and handlers are
      // idempotent on eventId, so nothing is lost or done twice.
      this.logger.warn({
        msg: 'offset commit refused (rebalance)',
        topic,
        partition,
        offset,
        error: (error as Error).message,
      });
    }
  }

  /**
   * Handles until done. The one Kafka failure mapper decides (`dispositionOf`): a transient failure is retried
   * with backoff for as long as it takes, without committing; a permanent one is dead-lettered with its reason
   * (then the handler's onDeadLetter ends what the message started); an unknown one gets a few attempts.
   */
  private async handleWithRetries(
    topic: string,
    partition: number,
    offset: string,
    envelope: TopicEnvelope<Topic>,
    heartbeat: () => Promise<void>,
    key: Buffer | null,
    value: Buffer | null,
    headers: IHeaders | undefined,
  ): Promise<void> {
    const handler = this.byTopic.get(topic);
    if (!handler) throw new Error(`no handler for ${topic}`);
    const attempts = this.options.attempts ?? 3;
    let rebalancing = false;
    const beat = setInterval(() => {
      heartbeat().then(
        () => (rebalancing = false),
        () => (rebalancing = true),
      );
    }, HEARTBEAT_MS);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await handler.handle(envelope, { partition, offset, heartbeat });
          return;
        } catch (error) {
          const failure = classifyFailure(error);
          const disposition = dispositionOf(failure.code);
          const final = disposition === 'dead-letter' || (disposition === 'bounded' && attempt >= attempts);
          this.logger[final ? 'error' : 'warn']({
            msg: final ? 'handler failed; dead-lettering' : 'handler failed; retrying',
            topic,
            eventId: envelope.eventId,
            attempt,
            code: failure.code,
            error: failure.message,
            stack: disposition === 'retry' ? undefined : (error as Error).stack,
          });
          activeSpan().addEvent(final ? 'dead-lettered' : 'retrying', {
            'soma.failure.code': failure.code,
            'soma.attempt': attempt,
          });
          if (final) {
            activeSpan().setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
            await persist(() =>
              this.deadLetter(topic, partition, offset, key, value, headers, failure.reason, failure.message),
            );
            if (handler.onDeadLetter) {
              const end = handler.onDeadLetter.bind(handler);
              await persist(() => end(envelope, failure.reason, failure.message));
            }
            return;
          }
          consumerRetries().inc({ group: this.options.groupId, topic, code: failure.code });
          // The partition is moving to another member: stop here (no commit); the new owner gets the message.
          if (rebalancing) throw error;
          await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, 5000)));
        }
      }
    } finally {
      clearInterval(beat);
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    offset: string,
    key: Buffer | null,
    value: Buffer | null,
    headers: IHeaders | undefined,
    code: string,
    detail: string,
  ): Promise<void> {
    await this.kafka.send(deadLetterTopic(topic as Topic), [
      {
        key,
        value,
        headers: {
          ...headers,
          'soma-dlq-reason': code,
          'soma-dlq-detail': detail.slice(0, 2000),
          'soma-dlq-source': `${topic}/${partition}/${offset}`,
          'soma-dlq-app': this.identity.name,
          'soma-dlq-at': new Date().toISOString(),
        },
      },
    ]);
  }
}
