import { Injectable } from '@nestjs/common';
import {
  createEnvelope,
  Topics,
  type Envelope,
  type EnvelopeContext,
  type OutboundEventPayloads,
  type OutboundEventType,
} from '#soma/contracts';
import { SessionEntity } from '#soma/persistence';
import { KafkaClient, RedisService } from '#soma/platform';
import { DataSource } from 'typeorm';

type WithoutSeq<T> = Omit<T, 'seq'>;

const seqKey = (sessionId: string) => `soma:seq:${sessionId}`;
// -1 when the counter is gone (Redis restarted): the caller restores it from PostgreSQL first.
const NEXT_SEQ = `if redis.call('exists', KEYS[1]) == 0 then return -1 end return redis.call('incr', KEYS[1])`;

/** Publishes a session's outbound events, each with the next per-session seq. */
@Injectable()
export class OutboundEventsPublisher {
  constructor(
    private readonly redis: RedisService,
    private readonly kafka: KafkaClient,
    private readonly dataSource: DataSource,
  ) {}

  async nextSeq(sessionId: string): Promise<number> {
    const seq = Number(await this.redis.client.eval(NEXT_SEQ, 1, seqKey(sessionId)));
    if (seq > 0) return seq;
    const session = await this.dataSource.getRepository(SessionEntity).findOneBy({ id: sessionId });
    await this.redis.client.set(seqKey(sessionId), String(session?.lastSeq ?? 0), 'NX');
    return this.redis.client.incr(seqKey(sessionId));
  }

  /** Builds the envelope with its seq, for publishing now or staging in the outbox. */
  async prepare<T extends OutboundEventType>(
    context: EnvelopeContext,
    type: T,
    payload: WithoutSeq<OutboundEventPayloads[T]>,
  ): Promise<Envelope> {
    const seq = await this.nextSeq(context.sessionId);
    return createEnvelope(type, context, { ...payload, seq });
  }

  async publish<T extends OutboundEventType>(
    context: EnvelopeContext,
    type: T,
    payload: WithoutSeq<OutboundEventPayloads[T]>,
  ): Promise<void> {
    await this.kafka.publish(Topics.conversationOutbound, [await this.prepare(context, type, payload)]);
  }

  /** The live events of one turn, published in order without making generation wait for Kafka. */
  turnStream(context: EnvelopeContext, turnId: string, coalesceMs: number): TokenStream {
    return new TokenStream((delta) => this.publish(context, 'token', { turnId, delta }), coalesceMs);
  }
}

/**
 * Coalesces token deltas over a few milliseconds (fewer messages, same text) and publishes them, and any other
 * queued event, strictly in order. `close()` returns exactly the concatenation of the published deltas.
 */
export class TokenStream {
  private pending = '';
  private published = '';
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly send: (delta: string) => Promise<void>,
    private readonly coalesceMs: number,
  ) {}

  push(delta: string): void {
    if (delta === '') return;
    this.pending += delta;
    if (this.coalesceMs === 0) this.flush();
    else
      this.timer ??= setTimeout(() => {
        this.flush();
      }, this.coalesceMs);
  }

  /** Queues another event behind the deltas pushed so far. */
  enqueue(task: () => Promise<void>): void {
    this.flush();
    this.then(task);
  }

  /** Publishes what is pending and waits for every publish; rethrows the first failure. */
  async close(): Promise<string> {
    this.flush();
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
    return this.published;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === '') return;
    const delta = this.pending;
    this.pending = '';
    this.published += delta;
    this.then(() => this.send(delta));
  }

  private then(task: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await task();
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
      }
    });
  }
}
