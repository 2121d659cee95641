import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AddressGuard, SecretBox, SomaConfig } from '#soma/platform';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter } from 'prom-client';
import { planAfterFailure, type DeliveryOutcome } from '../../delivery/delivery-plan.js';
import { sendWebhook } from '../../delivery/webhook.sender.js';
import {
  WebhookDeliveryRepository,
  type ClaimedDelivery,
} from '../../delivery/webhook-delivery.repository.js';
import { DeliverDueWebhooksCommand } from './deliver-due-webhooks.command.js';

/** Past the timeout, a claimed delivery whose worker died is due again. */
const LEASE_MARGIN_MS = 15_000;

@CommandHandler(DeliverDueWebhooksCommand)
export class DeliverDueWebhooksHandler implements ICommandHandler<DeliverDueWebhooksCommand, number> {
  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly guard: AddressGuard,
    private readonly secrets: SecretBox,
    private readonly config: SomaConfig,
    @InjectMetric('webhook_deliveries_delivered_total') private readonly delivered: Counter<'event_type'>,
    @InjectMetric('webhook_delivery_attempts_failed_total') private readonly failed: Counter<'event_type'>,
    @InjectMetric('webhook_deliveries_dead_lettered_total')
    private readonly deadLettered: Counter<'event_type'>,
  ) {}

  async execute({ limit }: DeliverDueWebhooksCommand): Promise<number> {
    const due = await this.deliveries.claimDue(limit, this.config.webhookTimeoutMs + LEASE_MARGIN_MS);
    await Promise.all(due.map((delivery) => this.attempt(delivery)));
    return due.length;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.send(delivery);
    const labels = { event_type: delivery.eventType };
    if (outcome.ok) {
      await this.deliveries.markDelivered(delivery, outcome.statusCode);
      this.delivered.inc(labels);
      return;
    }
    this.failed.inc(labels);
    const plan = planAfterFailure(delivery.attempts, {
      maxAttempts: this.config.webhookMaxAttempts,
      baseDelayMs: this.config.webhookBaseDelayMs,
      maxDelayMs: this.config.webhookMaxDelayMs,
    });
    if (plan.kind === 'retry') {
      await this.deliveries.scheduleRetry(delivery, outcome.statusCode, outcome.error, plan.delayMs);
    } else if (await this.deliveries.deadLetter(delivery, outcome.statusCode, outcome.error)) {
      this.deadLettered.inc(labels);
    }
  }

  private send(delivery: ClaimedDelivery): Promise<DeliveryOutcome> {
    let secret: string;
    try {
      secret = this.secrets.open(delivery.secretSealed);
    } catch {
      // Sealed with another SOMA_WEBHOOK_SECRET_KEY: unsigned requests are never sent.
      return Promise.resolve({ ok: false, statusCode: null, error: 'SECRET_UNREADABLE' });
    }
    return sendWebhook(this.guard, delivery, secret, this.config.webhookTimeoutMs);
  }
}
