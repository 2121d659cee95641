import { Injectable } from '@nestjs/common';
import {
  createEnvelope,
  Topics,
  type Envelope,
  type EnvelopeContext,
  type OutboundEventPayloads,
  type OutboundEventType,
} from '#soma/contracts';
import { KafkaClient, RedisService } from '#soma/platform';

type WithoutSeq<T> = Omit<T, 'seq'>;

/** Publishes a session's outbound events, each with the next per-session seq. */
@Injectable()
export class OutboundEventsPublisher {
  constructor(
    private readonly redis: RedisService,
    private readonly kafka: KafkaClient,
  ) {}

  async nextSeq(sessionId: string): Promise<number> {
    return this.redis.client.incr(`soma:seq:${sessionId}`);
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

  tokenStream(context: EnvelopeContext, turnId: string, coalesceMs: number): TokenStream {
    return new TokenStream((delta) => this.publish(context, 'token', { turnId, delta }), coalesceMs);
  }
}

/**
 * Coalesces token deltas over a few milliseconds (fewer messages, same text) and publishes them in order.
 * `text` is exactly the concatenation of what was published.
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
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await this.send(delta);
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
      }
    });
  }
}
