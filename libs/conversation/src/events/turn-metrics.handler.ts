import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter, Histogram } from 'prom-client';
import { TurnFinishedEvent } from './turn-finished.event.js';

@EventsHandler(TurnFinishedEvent)
export class TurnMetricsHandler implements IEventHandler<TurnFinishedEvent> {
  constructor(
    @InjectMetric('conversation_requests_total') private readonly requests: Counter,
    @InjectMetric('conversation_latency_seconds') private readonly latency: Histogram,
    @InjectMetric('conversation_time_to_first_token_seconds') private readonly ttft: Histogram,
    @InjectMetric('llm_tokens_generated_total') private readonly tokens: Counter,
    @InjectMetric('budget_rejections_total') private readonly budgetRejections: Counter,
  ) {}

  handle(event: TurnFinishedEvent): void {
    this.requests.inc({ result: event.result });
    this.latency.observe({ profile: event.profileName }, event.durationSeconds);
    if (event.firstTokenSeconds !== null)
      this.ttft.observe({ profile: event.profileName }, event.firstTokenSeconds);
    this.tokens.inc({ profile: event.profileName }, event.completionTokens);
    if (event.code === 'BUDGET_EXCEEDED') this.budgetRejections.inc({ stage: 'turn' });
  }
}
