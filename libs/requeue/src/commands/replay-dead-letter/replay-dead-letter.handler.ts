import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditRecorder, DeadLetterEntity, OutboxRelay, type StagedMessage } from '#soma/persistence';
import { redeliverWebhook } from '#soma/webhooks';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { type Actor } from '../../actor.contract.js';
import { replayEnvelope } from '../../dead-letters/dead-letter.parser.js';
import { RequeueError } from '../../requeue.errors.js';
import { ReplayDeadLetterCommand, type DeadLetterReplayed } from './replay-dead-letter.command.js';

/**
 * Letter → replayed, audit written, envelope staged on its source topic (or, for a webhook delivery, the
 * delivery due again under its own event id): one transaction.
 */
@CommandHandler(ReplayDeadLetterCommand)
export class ReplayDeadLetterHandler implements ICommandHandler<ReplayDeadLetterCommand, DeadLetterReplayed> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly audit: AuditRecorder,
  ) {}

  async execute({
    actor,
    deadLetterId,
    reason,
    correlationId,
  }: ReplayDeadLetterCommand): Promise<DeadLetterReplayed> {
    const { letter, staged, auditId, eventId } = await this.dataSource.transaction(async (manager) => {
      const letter = await manager
        .createQueryBuilder(DeadLetterEntity, 'd')
        .where('d.id = :id', { id: deadLetterId })
        .setLock('pessimistic_write')
        .getOne();
      checkReplayable(letter, deadLetterId);
      const resent = await this.resend(manager, letter);
      await manager.update(
        DeadLetterEntity,
        { id: letter.id },
        { status: 'replayed', replayedAt: () => 'now()', replayedBy: actor.keyId },
      );
      const audited = await this.audit.record(
        manager,
        actor,
        auditFacts(letter, actor, reason, correlationId, resent.eventId),
      );
      const staged = [audited.staged, ...(resent.staged ? [resent.staged] : [])];
      return { letter, staged, auditId: audited.auditId, eventId: resent.eventId };
    });
    await this.outbox.flush(staged);
    return { id: letter.id, status: 'replayed', topic: letter.sourceTopic, eventId, auditId };
  }

  private async resend(
    manager: EntityManager,
    letter: DeadLetterEntity,
  ): Promise<{ staged: StagedMessage | null; eventId: string }> {
    if (letter.webhookDeliveryId) {
      if (!(await redeliverWebhook(manager, letter.webhookDeliveryId)))
        throw new RequeueError('DEAD_LETTER_NOT_REPLAYABLE', 'its webhook was deleted or is being delivered');
      return { staged: null, eventId: letter.eventId ?? letter.webhookDeliveryId };
    }
    const eventId = randomUUID();
    const replay = replayEnvelope(letter.sourceTopic, letter.value, eventId);
    if ('error' in replay) throw new RequeueError('DEAD_LETTER_NOT_REPLAYABLE', replay.error);
    return { staged: await this.outbox.stage(manager, letter.sourceTopic, replay.envelope), eventId };
  }
}

function checkReplayable(letter: DeadLetterEntity | null, id: string): asserts letter is DeadLetterEntity {
  if (!letter) throw new RequeueError('DEAD_LETTER_NOT_FOUND', `dead letter ${id} not found`);
  if (letter.status === 'replayed')
    throw new RequeueError('DEAD_LETTER_ALREADY_REPLAYED', `dead letter ${id} was already replayed`);
}

function auditFacts(
  letter: DeadLetterEntity,
  actor: Actor,
  reason: string,
  correlationId: string,
  eventId: string,
) {
  return {
    action: 'dead_letter.replayed' as const,
    subject: { type: 'dead_letter' as const, id: letter.id },
    reason,
    detail: { sourceTopic: letter.sourceTopic, deadLetterReason: letter.reason, replayEventId: eventId },
    tenantId: letter.tenantId ?? actor.tenantId,
    sessionId: letter.sessionId,
    correlationId,
  };
}
