import { Injectable } from '@nestjs/common';
import {
  createEnvelope,
  deadLetterTopic,
  retryTopic,
  Topics,
  type Envelope,
  type ToolCallBlocked,
} from '#soma/contracts';
import { AppIdentity, KafkaClient } from '#soma/platform';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter } from 'prom-client';

export const NOT_BEFORE_HEADER = 'soma-retry-not-before';

/**
 * Sends a transiently blocked call on its way again: to `tool.requests.retry` as its next attempt, with the time
 * before which it must not run; or, once attempts are exhausted, to `tool.requests.dlq` with a reason code.
 */
@Injectable()
export class RetryPublisher {
  constructor(
    private readonly kafka: KafkaClient,
    private readonly identity: AppIdentity,
    @InjectMetric('retries_total') private readonly retries: Counter<'topic'>,
  ) {}

  async schedule(blocked: Envelope<string, ToolCallBlocked>, delayMs: number): Promise<void> {
    const request = blocked.payload.request;
    const next = createEnvelope('tool.call.requested', this.contextOf(blocked), {
      ...request,
      attempt: request.attempt + 1,
    });
    await this.kafka.send(retryTopic(Topics.toolRequests), [
      {
        key: blocked.sessionId,
        value: JSON.stringify(next),
        headers: { [NOT_BEFORE_HEADER]: String(Date.now() + delayMs), 'soma-retry-of': blocked.eventId },
      },
    ]);
    this.retries.inc({ topic: Topics.toolRequests });
  }

  async exhaust(blocked: Envelope<string, ToolCallBlocked>): Promise<void> {
    const { request, decision } = blocked.payload;
    const last = createEnvelope('tool.call.requested', this.contextOf(blocked), request);
    await this.kafka.send(deadLetterTopic(Topics.toolRequests), [
      {
        key: blocked.sessionId,
        value: JSON.stringify(last),
        headers: {
          'soma-dlq-reason': 'RETRIES_EXHAUSTED',
          'soma-dlq-detail':
            `blocked after ${request.attempt} attempts: ${decision.reasons.join('; ')}`.slice(0, 2000),
          'soma-dlq-source': `${Topics.toolBlocked}/event/${blocked.eventId}`,
          'soma-dlq-app': this.identity.name,
          'soma-dlq-at': new Date().toISOString(),
        },
      },
    ]);
  }

  private contextOf(blocked: Envelope) {
    return {
      tenantId: blocked.tenantId,
      sessionId: blocked.sessionId,
      correlationId: blocked.correlationId,
      causationId: blocked.eventId,
    };
  }
}
