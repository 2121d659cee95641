import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { stageWebhookEvent } from '../../delivery/webhook-delivery.repository.js';
import { webhookEventOf } from '../../webhook-events.contract.js';
import { RecordWebhookEventCommand } from './record-webhook-event.command.js';

/** Most outbound events (tokens) concern no webhook and touch nothing; the rest are staged idempotently. */
@CommandHandler(RecordWebhookEventCommand)
export class RecordWebhookEventHandler implements ICommandHandler<RecordWebhookEventCommand, number> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ envelope }: RecordWebhookEventCommand): Promise<number> {
    const event = webhookEventOf(envelope);
    if (!event) return 0;
    return stageWebhookEvent(this.dataSource.manager, event);
  }
}
