import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SomaConfig } from '#soma/platform';
import { requeueItemCreatedEvent, stageWebhookEvent } from '#soma/webhooks';
import { DataSource } from 'typeorm';
import { planBlocked, type BlockedPlan } from '../../retry-policy.js';
import { RequeueItemRepository } from '../../requeue-item.repository.js';
import { RetryPublisher } from '../../retries/retry.publisher.js';
import { RecordBlockedCallCommand } from './record-blocked-call.command.js';

const statusOf = { review: 'pending', retry: 'retrying', dead_letter: 'dead_lettered' } as const;

/**
 * Stores the blocked call (one item per toolCallId; a later attempt updates it; a new one is a webhook event,
 * staged in the same transaction), then acts on the plan. The
 * action is repeated on a redelivery of the same event (it is idempotent downstream), never for a stale one.
 */
@CommandHandler(RecordBlockedCallCommand)
export class RecordBlockedCallHandler implements ICommandHandler<
  RecordBlockedCallCommand,
  BlockedPlan['kind'] | 'duplicate'
> {
  constructor(
    private readonly items: RequeueItemRepository,
    private readonly retries: RetryPublisher,
    private readonly config: SomaConfig,
    private readonly dataSource: DataSource,
  ) {}

  async execute({ envelope }: RecordBlockedCallCommand): Promise<BlockedPlan['kind'] | 'duplicate'> {
    const { request, decision } = envelope.payload;
    const plan = planBlocked(decision, request.attempt, {
      maxAttempts: this.config.retryMaxAttempts,
      baseDelayMs: this.config.retryBaseDelayMs,
      maxDelayMs: this.config.retryMaxDelayMs,
    });
    const nextAttemptAt = plan.kind === 'retry' ? new Date(Date.now() + plan.delayMs) : null;
    const current = await this.dataSource.transaction(async (manager) => {
      const { item, created } = await this.items.recordBlocked(
        manager,
        envelope,
        statusOf[plan.kind],
        nextAttemptAt,
      );
      if (created) await stageWebhookEvent(manager, requeueItemCreatedEvent(item));
      return item;
    });
    if (current.blockedEventId !== envelope.eventId) return 'duplicate';
    if (plan.kind === 'retry') await this.retries.schedule(envelope, plan.delayMs);
    if (plan.kind === 'dead_letter') await this.retries.exhaust(envelope);
    return plan.kind;
  }
}
